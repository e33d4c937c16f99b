using System.Collections.Concurrent;
using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AdminPortal.Core.Connectors.Http;

public sealed record ResilienceSettings
{
    public int MaxRetryAttempts { get; init; } = 3;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-attempt timeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public double BreakerFailureRatio { get; init; } = 0.5;
    public int BreakerMinimumThroughput { get; init; } = 10;
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(30);
    public bool UseJitter { get; init; } = true;
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Statuses that are retried (transient).</summary>
    public IReadOnlySet<int> RetryStatusCodes { get; init; } = new HashSet<int> { 429, 502, 503, 504 };
}

/// <summary>
/// DelegatingHandler that runs every request through a Polly 8 pipeline: retry (jittered exponential backoff,
/// honouring Retry-After) on 429/502/503/504, timeouts and transport errors; a circuit breaker per host; and a
/// per-attempt timeout. Request content must be buffered (the engine always sends byte/string content).
/// </summary>
public sealed class ResilienceHandler : DelegatingHandler
{
    private readonly ResilienceSettings _settings;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.OrdinalIgnoreCase);

    public ResilienceHandler(ResilienceSettings? settings = null, HttpMessageHandler? inner = null)
    {
        _settings = settings ?? new ResilienceSettings();
        if (inner is not null) InnerHandler = inner;
    }

    /// <summary>State of the breaker for a host (for diagnostics/tests).</summary>
    public CircuitState? GetCircuitState(string host) => _states.TryGetValue(host, out var p) ? p.CircuitState : null;

    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _states = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var host = request.RequestUri?.Authority ?? "";
        var pipeline = _pipelines.GetOrAdd(host, Build);
        if (request.Content is not null) await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return await pipeline.ExecuteAsync(
            static async (state, ct) => await state.Self.SendCore(state.Request, ct).ConfigureAwait(false),
            (Self: this, Request: request),
            cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendCore(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);

    private bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Exception: OperationCanceledException } => false,
        { Result: { } r } => _settings.RetryStatusCodes.Contains((int)r.StatusCode),
        _ => false,
    };

    private ResiliencePipeline<HttpResponseMessage> Build(string host)
    {
        var state = _states.GetOrAdd(host, _ => new CircuitBreakerStateProvider());
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _settings.TimeProvider };
        if (_settings.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = _settings.UseJitter,
                Delay = _settings.BaseDelay,
                MaxDelay = _settings.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = args =>
                {
                    var ra = args.Outcome.Result?.Headers.RetryAfter;
                    TimeSpan? delay = null;
                    if (ra?.Delta is { } d) delay = d;
                    else if (ra?.Date is { } date) delay = date - _settings.TimeProvider.GetUtcNow();
                    if (delay is { } x)
                    {
                        if (x < TimeSpan.Zero) x = TimeSpan.Zero;
                        if (x > _settings.MaxDelay) x = _settings.MaxDelay;
                        return ValueTask.FromResult<TimeSpan?>(x);
                    }
                    return ValueTask.FromResult<TimeSpan?>(null);
                },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = _settings.BreakerFailureRatio,
            MinimumThroughput = Math.Max(2, _settings.BreakerMinimumThroughput),
            SamplingDuration = _settings.BreakerSamplingDuration,
            BreakDuration = _settings.BreakerBreakDuration,
            StateProvider = state,
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) || args.Outcome.Result is { StatusCode: >= HttpStatusCode.InternalServerError }),
        });
        builder.AddTimeout(_settings.AttemptTimeout);
        return builder.Build();
    }
}
