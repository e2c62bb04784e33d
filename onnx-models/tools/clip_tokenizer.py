"""CLIP's byte-level BPE tokenizer, written plainly, and the Hugging Face `tokenizers` JSON for it.

What the Java worker runs is the Rust `tokenizers` library (DJL's HuggingFaceTokenizer) on a
`tokenizer.json` with the structure of openai/clip-vit-large-patch14's (the one transformers'
CLIPConverter writes). This file reproduces what that library does with that JSON, step by step:

  1. added tokens: `<|startoftext|>` / `<|endoftext|>` written in the text are found (after
     normalisation: they are "normalized" added tokens) and become their ids as they are;
  2. normalizer: NFC, every run of Unicode White_Space (Oniguruma's \\s) -> one " ", lowercase
     (char by char, as Rust's char::to_lowercase: no final-sigma rule);
  3. pre-tokenizer: Split on CLIP's regex
     `'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+` keeping the matches
     (invert, behaviour Removed: what no alternative matches, i.e. spaces, is dropped), then
     ByteLevel (no prefix space, no regex): each UTF-8 byte -> one printable char (bytes_to_unicode);
  4. model: BPE with end_of_word_suffix `</w>` on the last char of each piece, merges applied by
     rank (lowest first; for one rank every occurrence left to right), ids from the vocabulary;
  5. post-processor (RobertaProcessing): `<|startoftext|>` + ids + `<|endoftext|>`.
Then CLIP's fixed length: truncated to maxLength keeping `<|endoftext|>` last (what the library's
truncation does: the pieces are cut to maxLength - 2 before the two specials are added), padded
to maxLength with padId.

OpenAI's simple_tokenizer also runs ftfy and html.unescape first; the HF JSON (and so the worker)
does not, and neither does this file.

`train_bpe` learns a small vocabulary for the stand-in models; `tokenizer_json` writes the JSON
from a vocabulary and merges (a learnt one, or a real checkpoint's vocab.json + merges.txt).
"""
import json
import unicodedata

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
SUFFIX = "</w>"
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")
SPLIT_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"
# Unicode White_Space = what Oniguruma's \s matches in UTF-8 (Python's str.isspace() has more)
WHITESPACE = frozenset([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                        0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


def bytes_to_unicode():
    """GPT-2/CLIP's reversible byte -> printable unicode char table, in CLIP's vocabulary order:
    the printable Latin-1 bytes map to themselves, the other 68 to chr(256 + n)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def is_space(ch):
    return ord(ch) in WHITESPACE


def is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def is_number(ch):
    return unicodedata.category(ch).startswith("N")


def normalize(text):
    """NFC, whitespace runs -> " ", lowercase char by char."""
    text = unicodedata.normalize("NFC", text)
    out, in_space = [], False
    for ch in text:
        if is_space(ch):
            if not in_space:
                out.append(" ")
            in_space = True
        else:
            out.append(ch)
            in_space = False
    return "".join(ch.lower() for ch in "".join(out))


def pre_tokenize(text):
    """The matches of CLIP's split regex, leftmost first, alternatives tried in order."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        for c in CONTRACTIONS:
            if text.startswith(c, i):
                pieces.append(c)
                i += len(c)
                break
        else:
            ch = text[i]
            if is_letter(ch):
                j = i + 1
                while j < n and is_letter(text[j]):
                    j += 1
            elif is_number(ch):
                j = i + 1
            elif not is_space(ch):
                j = i + 1
                while j < n and not (is_space(text[j]) or is_letter(text[j]) or is_number(text[j])):
                    j += 1
            else:  # not matched by the regex: removed
                i += 1
                continue
            pieces.append(text[i:j])
            i = j
    return pieces


def byte_level(piece):
    return "".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))


def word_symbols(word):
    """Initial BPE symbols of a byte-level word: its chars, the last one with `</w>`."""
    return list(word[:-1]) + [word[-1] + SUFFIX]


def bpe(word, ranks):
    """BPE merges on one byte-level word; returns its symbols."""
    symbols = word_symbols(word)
    while len(symbols) > 1:
        pairs = [(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 1)]
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(symbols):
            if i < len(symbols) - 1 and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


class ClipTokenizer:
    """Encodes text to ids exactly as `tokenizers` does with the JSON from `tokenizer_json`."""

    def __init__(self, vocab, merges, pad_id):
        self.vocab = dict(vocab)
        self.ranks = {tuple(m): r for r, m in enumerate(merges)}
        self.bos_id, self.eos_id, self.pad_id = self.vocab[BOS], self.vocab[EOS], pad_id
        self.unk_id = self.eos_id  # CLIP's unk token; never used with a full byte alphabet

    @classmethod
    def from_json(cls, path, pad_id):
        spec = json.load(open(path, encoding="utf-8"))
        merges = [m.split(" ") if isinstance(m, str) else m for m in spec["model"]["merges"]]
        return cls(spec["model"]["vocab"], merges, pad_id)

    def tokens(self, text):
        """Token strings of `text` without the special wrapping (BPE symbols and added tokens)."""
        out = []
        norm = normalize(text)
        i = 0
        while i <= len(norm):
            # added tokens (both specials are "normalized"): found in the normalized text
            hits = [(norm.find(s, i), s) for s in (BOS, EOS)]
            hits = [(p, s) for p, s in hits if p >= 0]
            end = min(hits)[0] if hits else len(norm)
            for piece in pre_tokenize(norm[i:end]):
                out.extend(bpe(byte_level(piece), self.ranks))
            if not hits:
                break
            p, s = min(hits)
            out.append(s)
            i = p + len(s)
        return out

    def encode(self, text):
        """bos + ids + eos, no truncation or padding."""
        return [self.bos_id] + [self.vocab.get(t, self.unk_id) for t in self.tokens(text)] + [self.eos_id]

    def encode_fixed(self, text, max_length=77, truncate=True):
        """CLIP's fixed-length input: truncated keeping eos last, padded with pad_id."""
        ids = self.encode(text)
        if len(ids) > max_length:
            if not truncate:
                raise ValueError(f"prompt is {len(ids)} tokens, more than {max_length}")
            ids = ids[:max_length - 1] + [self.eos_id]
        return ids + [self.pad_id] * (max_length - len(ids))


# ---------------------------------------------------------------- vocabulary
def base_vocab():
    """CLIP's first 512 entries: the 256 byte chars, then the same with `</w>`."""
    chars = list(BYTE_ENCODER.values())
    return chars + [c + SUFFIX for c in chars]


def train_bpe(texts, n_merges):
    """Learns merges on `texts` (pre-tokenized as above): repeatedly merges the most frequent
    adjacent pair (ties: the smallest pair in string order), like OpenAI's BPE training.
    Returns (vocab {token: id}, merges [(a, b)]), ids: base 512, merges in order (a merge whose
    result is already a token adds no new id), then BOS, EOS."""
    counts = {}
    for text in texts:
        for piece in pre_tokenize(normalize(text)):
            w = tuple(word_symbols(byte_level(piece)))
            counts[w] = counts.get(w, 0) + 1
    tokens = base_vocab()
    known = set(tokens)
    merges = []
    words = dict(counts)
    while len(merges) < n_merges:
        pair_counts = {}
        for w, c in words.items():
            for p in zip(w, w[1:]):
                pair_counts[p] = pair_counts.get(p, 0) + c
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda p: (-pair_counts[p], p))
        if pair_counts[best] < 2:
            break
        merges.append(best)
        new = best[0] + best[1]
        if new not in known:
            tokens.append(new)
            known.add(new)
        merged_words = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged_words[tuple(out)] = merged_words.get(tuple(out), 0) + c
        words = merged_words
    tokens += [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}, merges


def tokenizer_json(vocab, merges):
    """The `tokenizers` JSON of a CLIP tokenizer (structure of openai/clip-vit-large-patch14's)."""
    bos, eos = vocab[BOS], vocab[EOS]

    def added(i, content):
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": True, "special": True}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(bos, BOS), added(eos, EOS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_REGEX}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": [EOS, eos], "cls": [BOS, bos],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": EOS, "continuing_subword_prefix": "",
                  "end_of_word_suffix": SUFFIX, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def read_vocab_merges(vocab_path, merges_path):
    """A checkpoint's CLIP tokenizer files (vocab.json + merges.txt), read as transformers'
    CLIPTokenizer reads them: merges.txt without its `#version` line, at most 49152 - 256 - 2
    merges (CLIP's vocabulary size minus bytes and specials)."""
    vocab = json.load(open(vocab_path, encoding="utf-8"))
    lines = open(merges_path, encoding="utf-8").read().strip().split("\n")
    if lines and lines[0].startswith("#version"):
        lines = lines[1:]
    merges = [tuple(line.split()) for line in lines[:49152 - 256 - 2]]
    for a, b in merges:
        if a not in vocab or b not in vocab or a + b not in vocab:
            raise ValueError(f"{merges_path}: merge '{a} {b}' uses a token missing from {vocab_path}")
    for special in (BOS, EOS):
        if special not in vocab:
            raise ValueError(f"{vocab_path}: no {special} (not a CLIP vocabulary)")
    return vocab, merges


def write_tokenizer_json(path, vocab, merges):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, indent=2)
        f.write("\n")
