package health

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"quizgen/internal/awsapi"
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
	targets, err := c.cfg.RDS.ProxyTargets(ctx, c.cfg.RDSProxyName)
	if err != nil {
		r.Error = "DescribeDBProxyTargets: " + reason(err, ctx)
		return r
	}
	r.Targets = targets
	r.OK, r.Reachable = true, true
	if len(r.Targets) == 0 {
		r.Error = "the proxy has no targets"
	}
	return r
}

// RDSMissing reports whether the RDS Proxy probe is not configured.
func (c *Checker) RDSMissing() bool { return c.cfg.RDSProxyName == "" || c.cfg.RDS == nil }

// NewRDS returns an RDS that calls DescribeDBProxyTargets (the AWS Query
// protocol) with cfg's region, credentials and endpoint, through
// internal/awsapi rather than the SDK's RDS client, whose package init
// every cold start of the API would pay.
func NewRDS(cfg aws.Config) RDS { return rdsAPI{awsapi.New(cfg)} }

type rdsAPI struct{ c *awsapi.Client }

var rdsService = awsapi.Service{Name: "rds", Env: "RDS"}

// maxTargetPages bounds the pages read of one proxy's targets.
const maxTargetPages = 20

func (a rdsAPI) ProxyTargets(ctx context.Context, proxyName string) ([]ProxyTarget, error) {
	var out []ProxyTarget
	marker := ""
	for range maxTargetPages {
		form := url.Values{"Action": {"DescribeDBProxyTargets"}, "Version": {"2014-10-31"}, "DBProxyName": {proxyName}}
		if marker != "" {
			form.Set("Marker", marker)
		}
		status, data, err := a.c.Post(ctx, rdsService, "DescribeDBProxyTargets",
			"application/x-www-form-urlencoded; charset=utf-8", nil, []byte(form.Encode()))
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = xml.Unmarshal(data, &e)
			ae := &awsapi.Error{Service: "rds", Operation: "DescribeDBProxyTargets", Status: status,
				Code: e.Error.Code, Message: e.Error.Message}
			if ae.Code == "" {
				ae.Code = http.StatusText(status)
			}
			return nil, ae
		}
		var page struct {
			Result struct {
				Targets []struct {
					Endpoint, Type, Role string
					TargetHealth         *struct{ State, Reason, Description string }
				} `xml:"Targets>member"`
				Marker string
			} `xml:"DescribeDBProxyTargetsResult"`
		}
		if err := xml.Unmarshal(data, &page); err != nil {
			return nil, &awsapi.Error{Service: "rds", Operation: "DescribeDBProxyTargets", Status: status,
				Code: "MalformedAnswer", Message: err.Error()}
		}
		for _, t := range page.Result.Targets {
			pt := ProxyTarget{Endpoint: t.Endpoint, Type: t.Type, Role: t.Role, State: "UNKNOWN"}
			if h := t.TargetHealth; h != nil {
				pt.State, pt.Reason, pt.Description = h.State, h.Reason, h.Description
			}
			out = append(out, pt)
		}
		if marker = page.Result.Marker; marker == "" {
			return out, nil
		}
	}
	return out, nil
}
