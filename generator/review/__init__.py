"""Readers of other people's files: any update set (inspect, diff) and scheduled job exports (audit-jobs)."""
