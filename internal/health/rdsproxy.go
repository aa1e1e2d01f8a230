package health

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"quizgen/internal/db"
)

// rdsProxy asks RDS for the health of the proxy's targets.
func (c *Checker) rdsProxy(ctx context.Context) PoolerReport {
	r := PoolerReport{Kind: string(db.PoolerRDSProxy)}
	if c.RDSMissing() {
		r.Reachable, r.OK = true, true
		r.Note = "RDS_PROXY_NAME is not set: the proxy's targets are not inspected"
		return r
	}
	in := &rds.DescribeDBProxyTargetsInput{DBProxyName: aws.String(c.cfg.RDSProxyName)}
	p := rds.NewDescribeDBProxyTargetsPaginator(c.cfg.RDS, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			r.Error = "DescribeDBProxyTargets: " + reason(err, ctx)
			return r
		}
		for _, t := range out.Targets {
			pt := ProxyTarget{Endpoint: aws.ToString(t.Endpoint), Type: string(t.Type), Role: string(t.Role), State: "UNKNOWN"}
			if h := t.TargetHealth; h != nil {
				pt.State, pt.Reason, pt.Description = string(h.State), string(h.Reason), aws.ToString(h.Description)
			}
			r.Targets = append(r.Targets, pt)
		}
	}
	r.OK, r.Reachable = true, true
	if len(r.Targets) == 0 {
		r.Error = "the proxy has no targets"
	}
	return r
}

// RDSMissing reports whether the RDS Proxy probe is not configured.
func (c *Checker) RDSMissing() bool { return c.cfg.RDSProxyName == "" || c.cfg.RDS == nil }
