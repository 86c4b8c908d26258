print("sealcast: not built yet")
