package api

// updateFilters are what GET /agents/:id/updates filters on.
var updateFilters = []itemFilter{{"security", "bool", "true: security updates only"}, {"manager", "string", "dpkg, rpm or apk"}}
