"""The test bed: run generated scripts against an emulated ServiceNow instance and report every change."""
