"""What is due for deletion, without Django: the periods as data and the verdict on one registration."""
