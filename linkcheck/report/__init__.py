"""Reports rendered from the registry alone (no network): one module per format."""

from linkcheck.report.json_report import REPORT_SCHEMA_VERSION, build_report, write_json

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "write_json"]
