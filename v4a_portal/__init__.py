"""V4A Portal: operations portal for AI video ads."""
