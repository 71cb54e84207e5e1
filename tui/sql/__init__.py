"""The SQL console's data side: statements of a buffer, streamed results, cancel, plans,
history. The screen (`tui.screens.sql`) uses these; none of them touches the UI."""
