"""What one browser tab may do, and how fast: told to the tab in its hello, enforced per socket."""

POST_BURST, POST_PER_SECOND = 5, 0.5  # five at once, then one every two seconds
REACT_BURST, REACT_PER_SECOND = 10, 2.0
MAX_NAME_CHARS = 40
MAX_SPEED = 100.0
