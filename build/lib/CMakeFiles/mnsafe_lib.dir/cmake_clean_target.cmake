file(REMOVE_RECURSE
  "libmnsafe.a"
)
