package topology

// Template is a diagram to start from.
type Template struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"` // Mermaid
}

// Templates are the diagrams shipped with the hub (each parses: see
// TestTemplatesParse).
var Templates = []Template{
	{ID: "three-tier-web", Name: "Three-tier web", Description: "Load balancer, web servers, application servers and a database",
		Source: `flowchart LR
  users(["Users"]) --> lb{{"Load balancer"}}
  subgraph web["Web tier"]
    web1["web-1"]
    web2["web-2"]
  end
  subgraph app["Application tier"]
    app1["app-1"]
    app2["app-2"]
  end
  subgraph data["Data tier"]
    db[("Database")]
  end
  lb -->|"https 443"| web1
  lb -->|"https 443"| web2
  web1 --> app1
  web2 --> app2
  app1 -->|"postgres 5432"| db
  app2 -->|"postgres 5432"| db
`},
	{ID: "database-replication", Name: "Database replication", Description: "A primary streaming to two replicas, with backups and readers",
		Source: `flowchart LR
  app["Application"] -->|"writes"| primary[("Primary")]
  app -.->|"reads"| replica1[("Replica 1")]
  app -.->|"reads"| replica2[("Replica 2")]
  primary ==>|"streaming replication"| replica1
  primary ==>|"streaming replication"| replica2
  primary -->|"WAL archive"| backup[("Backup storage")]
`},
	{ID: "kubernetes-cluster", Name: "Kubernetes cluster", Description: "Control plane, worker nodes, ingress and services",
		Source: `flowchart TB
  client(["Clients"]) --> ingress{{"Ingress controller"}}
  subgraph cp["Control plane"]
    api["kube-apiserver"]
    etcd[("etcd")]
    sched["scheduler"]
    cm["controller-manager"]
    api --> etcd
    sched --> api
    cm --> api
  end
  subgraph workers["Worker nodes"]
    node1["node-1: kubelet"]
    node2["node-2: kubelet"]
    svc("Service")
    pod1["pod"]
    pod2["pod"]
  end
  ingress --> svc
  svc --> pod1
  svc --> pod2
  node1 --> api
  node2 --> api
`},
	{ID: "bastion-private-network", Name: "Bastion + private network", Description: "SSH through a bastion host into a private network",
		Source: `flowchart LR
  admin(["Administrators"]) -->|"ssh 22"| bastion["Bastion host"]
  subgraph dmz["Public subnet"]
    bastion
    nat{{"NAT gateway"}}
  end
  subgraph private["Private network"]
    app1["app-1"]
    app2["app-2"]
    db[("Database")]
  end
  bastion -->|"ssh 22"| app1
  bastion -->|"ssh 22"| app2
  bastion -->|"ssh 22"| db
  app1 --> db
  app2 --> db
  app1 --> nat
  app2 --> nat
  nat --> internet(["Internet"])
`},
}

// TemplateByID finds a shipped template.
func TemplateByID(id string) (Template, bool) {
	for _, t := range Templates {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}
