"""Work processes as data: the pure part (no Django). A definition is a versioned YAML file; the machine
says which transitions an actor may take from a state and what taking one requires and sets."""
