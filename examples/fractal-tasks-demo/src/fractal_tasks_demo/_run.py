"""The task command-line contract, as fractal-task-tools' ``run_fractal_task`` implements it.

A real package would import ``run_fractal_task`` from ``fractal_task_tools.task_wrapper``; this
demo keeps to the standard library so that it installs offline.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("run_fractal_task")


def run_fractal_task(*, task_function: Callable[..., Any]) -> None:
    """Parse ``--args-json``/``--out-json``, call ``task_function(**args)``, write its output."""
    parser = ArgumentParser()
    parser.add_argument("--args-json", required=True, help="Read parameters from json file")
    parser.add_argument(
        "--out-json", required=True, help="Output file to redirect serialised returned data"
    )
    parsed = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s; %(levelname)s; %(message)s")
    if os.path.exists(parsed.out_json):
        message = f"Output file {parsed.out_json} already exists. Terminating"
        logger.error(message)
        sys.exit(message)
    with open(parsed.args_json, encoding="utf-8") as handle:
        arguments = json.load(handle)
    logger.info("START %s task", task_function.__name__)
    output = task_function(**arguments)
    logger.info("END %s task", task_function.__name__)
    with open(parsed.out_json, "w", encoding="utf-8") as handle:
        json.dump(output, handle, indent=2)
