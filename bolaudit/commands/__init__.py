"""What each command does, as functions returning text and an exit code; ``cli`` prints them."""
