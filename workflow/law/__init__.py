"""The law, pure: deadlines and their explanations, states and transitions. No Flask, no database, no I/O."""
