"""pytest plugin entry point (``pytest11``): thin glue over the library."""
