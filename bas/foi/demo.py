def foi_step(context) -> int:
    return 0
