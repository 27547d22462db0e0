"""The pattern engine: pure Python, no Django. It reads linked registrations as `Event`s, builds the
history of every suspect-victim pair, every suspect and every victim, and tells which rules fire, when
they first fired and why. Time is a parameter: nothing here reads the clock."""
