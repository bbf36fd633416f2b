"""A short version of benchmarks/load_test.py: 20 clients for 20 s against the launched app while it trains."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT


def load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_twenty_clients_while_training_get_no_errors(tmp_path):
    load_test = load_test_module()
    process, url = load_test.launch_app(tmp_path / "runs")
    try:
        report = load_test.run_load(url, process.pid, clients=20, seconds=20)
    finally:
        process.terminate()
        process.wait(30)
    load_test.print_report(report)
    assert not report.errors, report.error_examples
    assert report.requests["slider"] > 50 and report.requests["generate"] > 5
    assert report.training_steps > 0, "training kept going under load"
    # memory steps up in the first seconds of concurrent load, then levels off (README, Load): no leak
    first, last = report.rss_timeline_mb[0], report.rss_timeline_mb[-1]
    assert last < 1.05 * first, report.rss_timeline_mb
