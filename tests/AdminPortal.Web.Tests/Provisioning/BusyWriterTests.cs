using System.Diagnostics;
using System.Net;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// Another writer (an import's all-or-nothing apply) holds SQLite's single writer for longer than a request may wait
/// (ADR-018): reads go on (WAL), background work (WSRETRY) waits and then succeeds, a request's write fails after the
/// short request wait. The waits are configured small (1 s for requests) so nothing here waits 30 s.
/// </summary>
public sealed class BusyWriterTests
{
    private static readonly Dictionary<string, string> Settings = new(ProvisioningHarness.FastRetries)
    {
        ["Provisioning:IntervalSeconds"] = "3600", // passes only when the test asks for one
        ["AdminPortal:BusyTimeoutSeconds"] = "1",
        ["AdminPortal:BackgroundBusyTimeoutSeconds"] = "60",
    };

    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(3);

    /// <summary>A second connection that takes the write lock and keeps it, as an import's apply transaction does.</summary>
    private static async Task<(SqliteConnection Connection, SqliteTransaction Transaction)> HoldWriterAsync(string dataDirectory)
    {
        var connection = new SqliteConnection(SqliteAdapter.ConnectionStringFor(Path.Combine(dataDirectory, "adminportal.db")));
        await connection.OpenAsync();
        var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock now
        await using var write = connection.CreateCommand();
        write.Transaction = transaction;
        write.CommandText = "UPDATE GlobalSettings SET Value = Value WHERE 0";
        await write.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    [Fact]
    public async Task WriterHeldLongerThanTheRequestWait_ReadsGoOn_WsretryPassWaitsAndCompletes()
    {
        var logs = new WarningLog();
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, Settings, services: s => s.AddSingleton<ILoggerProvider>(logs));
        var requests = h.Service<AccessRequestService>();
        await h.AddUserAsync("svc-busy", "boss", "svc-busy@example.test", ("CustomProperty4", "svc-busy"));
        var request = await requests.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "busy test", null), new Actor("svc-busy", false));
        await requests.DecideAsync(request.Id, true, "ok", new Actor("boss", false));
        var api = h.ApiClient("admin");
        await using (var db = h.Db())
        {
            await db.Database.OpenConnectionAsync();
            await using var mode = db.Database.GetDbConnection().CreateCommand();
            mode.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", await mode.ExecuteScalarAsync());
        }

        var (connection, transaction) = await HoldWriterAsync(h.DataDirectory);
        var held = Stopwatch.StartNew();
        try
        {
            h.Service<ProvisioningQueue>().RunDue("test");
            // Reads do not wait for the writer (WAL): the API answers while the lock is still held.
            using var response = await api.GetAsync($"/api/endpoints/{h.Endpoint}/accounts?pageSize=5");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(Hold - held.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
            // The pass is waiting for the writer, past the 1 s a request would wait: the task is not done.
            Assert.NotEqual(ProvisioningTaskStatus.Completed, Assert.Single(await h.TasksOfAsync(request.Id)).Status);
            transaction.Commit();
        }
        finally
        {
            transaction.Dispose();
            await connection.DisposeAsync();
        }

        var task = Assert.Single(await h.WaitForTasksAsync(request.Id, ProvisioningHarness.IsFinal, TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(40)).ContinueWith(t =>
            t.IsCompletedSuccessfully ? t.Result : throw new Xunit.Sdk.XunitException("logs: " + string.Join("\n", logs.Lines)), TaskScheduler.Default));
        Assert.True(task.Status == ProvisioningTaskStatus.Completed, task.LastError);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Equal(1, task.Attempts);
        Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-busy");
    }

    [Fact]
    public async Task WriterHeld_RequestWriteFailsAfterTheRequestWait_BackgroundWriteWaitsAndSucceeds()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, Settings);
        var (connection, transaction) = await HoldWriterAsync(h.DataDirectory);
        Task background;
        try
        {
            var watch = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => WriteSettingAsync(h, "busy.request"));
            Assert.True(SqliteAdapter.IsBusy(refused), refused.ToString());
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(20));

            background = Task.Run(async () =>
            {
                using var scope = SqliteAdapter.BackgroundWork();
                await WriteSettingAsync(h, "busy.background");
            });
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(background.IsCompleted, background.Exception?.ToString());
            transaction.Commit();
        }
        finally
        {
            transaction.Dispose();
            await connection.DisposeAsync();
        }

        await background.WaitAsync(TimeSpan.FromSeconds(30));
        await using var db = h.Db();
        Assert.True(await db.GlobalSettings.AnyAsync(s => s.Key == "busy.background"));
        Assert.False(await db.GlobalSettings.AnyAsync(s => s.Key == "busy.request"));
    }

    /// <summary>Warnings and errors of the portal, for the assertion message.</summary>
    private sealed class WarningLog : ILoggerProvider, ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
        }
    }

    private static async Task WriteSettingAsync(ProvisioningHarness h, string key)
    {
        await using var db = h.Db();
        db.GlobalSettings.Add(new GlobalSetting { Key = key, Value = "1" });
        await db.SaveChangesAsync();
    }
}
