"""Risk-screening instruments as data: the pure part (no Django). An instrument is a versioned YAML file
(instrument.py validates it); scoring.py turns answers, and a professional's judgement, into a level."""
