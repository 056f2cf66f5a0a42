"""fractal-tasks-demo: example Fractal tasks (standard library only)."""
