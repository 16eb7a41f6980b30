"""Letters: a letter's context from a request, rendering of the templates in letters/, freezing what was sent."""
