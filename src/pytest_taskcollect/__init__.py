"""pytest-taskcollect: test Fractal task packages the way fractal-server 2.14.5 collects them."""

__version__ = "0.1.0"

__all__ = ["__version__"]
