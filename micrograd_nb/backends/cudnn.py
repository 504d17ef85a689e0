"""``torch.backends.cudnn``: settings code sets for reproducibility; nothing reads them."""

enabled = True
deterministic = False
benchmark = False


def is_available():
    return False
