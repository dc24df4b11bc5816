# Generated from notebooks/04_bi_encoders.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/04_bi_encoders.ipynb, for later lessons, checks and tools to import."""


def n_tokens(text, tokenizer, special_tokens=True):
    # special_tokens: count [CLS] and [SEP] too. verbose=False: long texts are counted on purpose,
    # so no "longer than the maximum" warning
    return len(tokenizer(text, add_special_tokens=special_tokens, verbose=False)["input_ids"])
