"""A chat platform written only for the tests, to prove the adapter seam without Lark."""
