"""Access requests: drafting, events and status, deadlines and reminders, subjects, dashboard, calendar."""
