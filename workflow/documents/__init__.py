"""Documents received: formats, filing, extraction, search, what each item obtained, dossier export."""
