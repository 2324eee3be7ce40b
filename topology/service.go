package topology

import "strconv"

// wellKnown names the services of common ports, for flows whose listener
// did not say which process it is.
var wellKnown = map[int]string{
	22: "ssh", 25: "smtp", 53: "dns", 80: "http", 123: "ntp", 389: "ldap", 443: "https", 636: "ldaps",
	1433: "mssql", 2379: "etcd", 3306: "mysql", 5432: "postgres", 5672: "amqp", 6379: "redis",
	6443: "kubernetes-api", 8080: "http-alt", 9090: "prometheus", 9092: "kafka", 9100: "node-exporter",
	9200: "elasticsearch", 11211: "memcached", 27017: "mongodb",
}

// serviceName is the listening process when known, else the port's
// well-known name, else proto/port.
func serviceName(process, proto string, port int) string {
	if process != "" {
		return process
	}
	if s, ok := wellKnown[port]; ok {
		return s
	}
	return proto + "/" + strconv.Itoa(port)
}
