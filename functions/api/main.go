// Command api is the HTTP API Lambda behind API Gateway (HTTP API, payload
// format 2.0). main is the composition root: it reads configuration,
// builds every dependency once per execution environment, and hands one
// http.Handler to the Lambda runtime through aws-lambda-go-api-proxy.
// Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it serves the same handler on
// PORT with graceful shutdown, for `make dev`.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"quizgen/internal/app"
	"quizgen/internal/auth"
	"quizgen/internal/canvas"
	"quizgen/internal/config"
	"quizgen/internal/db"
	"quizgen/internal/health"
	"quizgen/internal/httpapi"
	"quizgen/internal/metrics"
	"quizgen/internal/queue"
	"quizgen/internal/quiz"
)

func main() { app.Main("api", run) }

func run(ctx context.Context, log *slog.Logger) error {
	awsCfg, cfg, err := app.Load(ctx, config.LoadAPI)
	if err != nil {
		return err
	}
	log = app.Logger("api", cfg.LogLevel)
	pool, err := db.Open(ctx, cfg.DB, log, db.WithIAMAuth(awsCfg.Credentials, awsCfg.Region))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	store := db.NewStore(pool)
	publisher := queue.NewPublisher(sqs.NewFromConfig(awsCfg), cfg.GenerateQueueURL, cfg.ExportQueueURL, 5*time.Second)

	canvasClient, err := app.Canvas(cfg.Canvas, cfg.CanvasRedirectURI, log, func(c *canvas.Config) {
		c.Scopes, c.CoursePrefixes = cfg.CanvasScopes, cfg.CanvasCoursePrefixes
	})
	if err != nil {
		return err
	}
	secret := []byte(cfg.JWTSecret.Value())
	tokens, err := auth.NewTokens(secret, cfg.AccessTokenTTL, time.Now)
	if err != nil {
		return fmt.Errorf("app tokens: %w", err)
	}
	states, err := auth.NewStateSigner(auth.DeriveKey(secret, auth.PurposeOAuthState), 10*time.Minute, time.Now)
	if err != nil {
		return fmt.Errorf("oauth states: %w", err)
	}
	cipher, err := auth.NewCipher(cfg.TokenKey.Value())
	if err != nil {
		return fmt.Errorf("token cipher: %w", err)
	}

	handler := httpapi.NewHandler(httpapi.Config{
		ProjectName: cfg.ProjectName, FrontendHost: cfg.FrontendHost, CORSOrigins: cfg.AllCORSOrigins(),
		MaxBodyBytes: cfg.MaxBodyBytes, HealthDetailToken: cfg.Health.DetailToken.Value(),
	}, httpapi.Deps{
		Store: store, Quizzes: quiz.NewService(store, publisher, log).WithLimits(cfg.Limits), Canvas: canvasClient,
		Tokens: tokens, States: states, Cipher: cipher, Log: log,
		Health: health.New(pool, health.Config{
			Pooler: cfg.DB.Pooler, PgBouncerAdminURL: cfg.Health.PgBouncerAdminURL,
			PgBouncerAdminPassword: cfg.Health.PgBouncerAdminPassword.Value(),
			RDSProxyName:           cfg.Health.RDSProxyName, RDS: health.NewRDS(awsCfg),
			Timeout: cfg.Health.Timeout, CacheTTL: cfg.Health.CacheTTL, MaxWaitDegraded: cfg.Health.MaxWait,
		}, log),
	})
	poolMetrics := metrics.NewPool(os.Stdout, pool, "api")

	if app.OnLambda() {
		proxy := httpadapter.NewV2(handler).ProxyWithContext
		lambda.Start(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			defer poolMetrics.EmitOrLog(log) // pool metrics after every invocation
			return proxy(ctx, ev)
		})
		return nil
	}
	go func() {
		t := time.NewTicker(cfg.MetricsInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				poolMetrics.EmitOrLog(log)
			}
		}
	}()
	return serve(ctx, log, handler, cfg.ListenAddr(), pool)
}

// serve runs handler on addr (LISTEN_HOST:PORT, this machine only by
// default) until ctx ends, then drains requests for up to 10 seconds and
// closes the pool.
func serve(ctx context.Context, log *slog.Logger, handler http.Handler, addr string, pool *db.DB) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("api listening", "addr", srv.Addr)
	select {
	case err := <-errc:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	log.Info("api shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	pool.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
