"""KLE (KL Emnesystematik): the municipal subject index every case is
classified by (offentlighedsloven § 15 asks for a journal; municipalities
journalise by KLE). The data is os2kle's open copy, shipped in ``data/``
and reloaded with ``manage.py refresh_kle``."""
