package partition

// ValueKey is valueKey, for the tests that write a list out the plain way.
var ValueKey = valueKey
