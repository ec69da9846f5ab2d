DEFAULT_PASSWORD = "Correct-Horse-42"  # passes the password validators; every `make_user` user has it
