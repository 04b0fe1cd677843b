"""Signal and insight rules: pure functions over plain data (dicts, lists, floats); no Faust, Kafka or gRPC."""
