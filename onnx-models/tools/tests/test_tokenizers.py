"""The two tokenizers the tools ship: shapes-t2i's word tokenizer and the CLIP BPE tokenizer."""
import contextlib
import io
import json
import os
import tempfile
import unittest

import clip_tokenizer as ct
import shapes
from common import here

SD_TINY = here("..", "standins", "sd-tiny")


class ShapesTokenizerTest(unittest.TestCase):
    def test_a_caption_becomes_bos_words_eos_then_padding(self):
        v = shapes.VOCAB
        ids = shapes.tokenize("A  red Circle")  # case and runs of spaces do not matter
        self.assertEqual(ids[:5], [v["<bos>"], v["a"], v["red"], v["circle"], v["<eos>"]])
        self.assertEqual(ids[5:], [v["<pad>"]] * (shapes.MAX_LEN - 5))

    def test_an_unknown_word_fails_instead_of_being_dropped(self):
        # dropping a word outside the vocabulary would score another prompt than the one asked for
        with self.assertRaises((SystemExit, ValueError)), contextlib.redirect_stderr(io.StringIO()):
            shapes.tokenize("a purple circle")

    def test_a_caption_over_the_maximum_length_fails(self):
        with self.assertRaises((SystemExit, ValueError)), contextlib.redirect_stderr(io.StringIO()):
            shapes.tokenize(" ".join(["a"] * shapes.MAX_LEN))


class ClipTokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        spec = json.load(open(os.path.join(SD_TINY, "model.json")))["conditioning"]["tokenizer"]
        cls.spec = spec
        cls.tok = ct.ClipTokenizer.from_json(os.path.join(SD_TINY, spec["file"]), pad_id=spec["padId"])

    def test_golden_tokenizer_cases(self):
        # the cases the worker's tokenizer is tested against (unicode, specials, truncation, empty text)
        cases = json.load(open(os.path.join(SD_TINY, "golden", "tokenizer_cases.json")))
        self.assertGreaterEqual(len(cases), 10)
        for c in cases:
            with self.subTest(c["what"]):
                ids = self.tok.encode(c["text"])
                self.assertEqual(self.tok.encode_fixed(c["text"], self.spec["maxLength"], truncate=True), c["ids"])
                self.assertEqual(self.tok.tokens(c["text"]), c["tokens"])
                self.assertEqual(len(ids), c["untruncatedLength"])
                self.assertEqual(min(len(ids), self.spec["maxLength"]), c["length"])

    def test_truncation_keeps_eos_last_and_can_be_refused(self):
        long = " ".join(["red circle"] * 60)
        ids = self.tok.encode_fixed(long, 77, truncate=True)
        self.assertEqual((len(ids), ids[0], ids[-1]), (77, self.spec["bosId"], self.spec["eosId"]))
        with self.assertRaises(ValueError):
            self.tok.encode_fixed(long, 77, truncate=False)

    def test_vocab_and_merges_files_round_trip_to_the_same_tokenizer_json(self):
        # export_sd.py's path: a checkpoint's vocab.json + merges.txt -> tokenizer.json
        path = os.path.join(SD_TINY, "tokenizer.json")
        model = json.load(open(path, encoding="utf-8"))["model"]
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
                json.dump(model["vocab"], f, ensure_ascii=False)
            with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
                f.write("#version: 0.2\n" + "\n".join(model["merges"]) + "\n")
            vocab, merges = ct.read_vocab_merges(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))
            ct.write_tokenizer_json(os.path.join(d, "tokenizer.json"), vocab, merges)
            with open(os.path.join(d, "tokenizer.json"), "rb") as a, open(path, "rb") as b:
                self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    unittest.main()
