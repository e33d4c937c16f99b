using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// The account merge buffer (several independent account calls merged by accountID, e.g. Confluent users and service
/// accounts) is a file of its own beside the staging file, so the staging pipeline (ADR-020) stays on: the file exists
/// while the accounts are read and is gone after the run whatever the outcome, and the pipelined run stages exactly
/// what the inline one does.
/// </summary>
public sealed class AccountBufferTests(PortalFactory factory) : IClassFixture<PortalFactory>, IDisposable
{
    private readonly ImportHarness harness = new(factory);
    private readonly string folder = Directory.CreateTempSubdirectory("account-buffer-").FullName;

    private SqliteConnection Main() => new($"Data Source={Path.Combine(folder, "portal.db")}");

    private string[] BufferFiles() => Directory.GetFiles(folder, "*.buffer.db");

    [Fact]
    public void Keeps_the_first_stored_order_replaces_in_place_and_finds_case_insensitive_columns()
    {
        using var main = Main();
        using var staging = SqliteImportStaging.Create(main, 1, Core.Domain.Account.CustomPropertyCount);
        using var buffer = SqliteAccountBuffer.Beside(staging.File);
        Assert.Equal(Path.GetDirectoryName(staging.File), Path.GetDirectoryName(buffer.File));
        Assert.Equal(staging.File.Replace(".staging.db", ".buffer.db", StringComparison.Ordinal), buffer.File);
        Assert.True(File.Exists(buffer.File));

        buffer.Store("b", new Dictionary<string, string?> { ["accountID"] = "b", ["name"] = "bob" });
        buffer.Store("a", new Dictionary<string, string?> { ["accountID"] = "a", ["name"] = "ann", ["email"] = null });
        Assert.Null(buffer.Find("c"));
        var a = buffer.Find("a")!;
        Assert.Equal("ann", a["NAME"]);
        Assert.True(a.ContainsKey("Email"));
        a["name"] = "ann 2";
        buffer.Store("a", a);
        buffer.Store("c", new Dictionary<string, string?> { ["accountID"] = "c" });

        Assert.Equal([("b", "bob"), ("a", "ann 2"), ("c", null)], buffer.ReadAll().Select(r => (r.AccountId, r.Columns.GetValueOrDefault("name"))));
        buffer.Dispose();
        Assert.False(File.Exists(buffer.File));
    }

    [Fact]
    public void Finds_every_stored_id_among_many_and_no_other()
    {
        using var main = Main();
        using var staging = SqliteImportStaging.Create(main, 6, Core.Domain.Account.CustomPropertyCount);
        using var buffer = SqliteAccountBuffer.Beside(staging.File);
        for (var i = 0; i < 20_000; i += 2) buffer.Store($"u-{i}", new Dictionary<string, string?> { ["accountID"] = $"u-{i}" });
        for (var i = 0; i < 20_000; i++) Assert.Equal(i % 2 == 0 ? $"u-{i}" : null, buffer.Find($"u-{i}")?["accountID"]);
    }

    [Fact]
    public void The_sink_deletes_a_buffer_the_engine_left_open_and_keeps_its_pipeline()
    {
        using var main = Main();
        using var staging = SqliteImportStaging.Create(main, 2, Core.Domain.Account.CustomPropertyCount);
        string file;
        using (var sink = new StagingSink(staging, (_, _) => ValueTask.CompletedTask))
        {
            var buffer = sink.OpenAccountBuffer();
            buffer.Store("1", new Dictionary<string, string?> { ["accountID"] = "1" });
            file = Assert.Single(BufferFiles());
        }

        Assert.False(File.Exists(file));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_buffer_file_is_beside_the_staging_file_while_accounts_are_read_and_gone_after_the_run(bool fail)
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 31, Accounts = 40, DefaultPageSize = 5 });
        var (connector, engine) = await ConfluentAsync(sim, fail ? "-buffer-fail" : "-buffer-ok");
        using var main = Main();
        string? seenBeside = null;
        ImportResult? result = null;
        using (var staging = SqliteImportStaging.Create(main, 3, Core.Domain.Account.CustomPropertyCount))
        {
            using var sink = new StagingSink(staging, (progress, _) =>
            {
                if (progress.Phase != "accounts") return ValueTask.CompletedTask;
                seenBeside ??= Assert.Single(BufferFiles());
                if (fail) throw new InvalidOperationException("the run fails while the accounts are read");
                return ValueTask.CompletedTask;
            });
            var error = await Record.ExceptionAsync(async () => result = await engine.RunImportAsync(connector, sink));
            Assert.Empty(BufferFiles()); // the engine disposed it, before the sink and the staging file go
            if (fail) Assert.True(error is not null || result is { IsComplete: false });
            else
            {
                Assert.Null(error);
                Assert.True(result!.IsComplete, result.Failure?.ToString());
            }
        }

        Assert.NotNull(seenBeside);
        Assert.StartsWith("import-3-", Path.GetFileName(seenBeside), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder, "import-*"));
    }

    [Fact]
    public async Task Merging_two_account_calls_with_the_pipeline_on_stages_the_same_accounts_as_inline()
    {
        // The shipped package reads the first page of each call (see the benchmark's AddConfluentPagingAsync): 10 users + 10 service accounts.
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 32, Accounts = 60 });
        var (connector, engine) = await ConfluentAsync(sim, "-buffer-parity");
        var (piped, read) = await StageAsync(connector, engine, runId: 4, pipelined: true);
        var (inline, _) = await StageAsync(connector, engine, runId: 5, pipelined: false);

        Assert.Equal(20, read);
        Assert.Equal(read, piped.Count);
        Assert.Equal(inline, piped);
        Assert.Empty(BufferFiles());
    }

    /// <summary>The staged accounts (every column, in read order) of one run of the engine into a StagingSink.</summary>
    private async Task<(List<string> Rows, long Read)> StageAsync(ConnectorConnection connector, ConnectorEngine engine, long runId, bool pipelined)
    {
        using var main = Main();
        using var staging = SqliteImportStaging.Create(main, runId, Core.Domain.Account.CustomPropertyCount);
        ImportResult result;
        using (var sink = new StagingSink(staging, (_, _) => ValueTask.CompletedTask, pipelined))
        {
            result = await engine.RunImportAsync(connector, sink);
            Assert.True(result.IsComplete, result.Failure?.ToString());
            await sink.DrainAsync();
        }

        staging.Complete();
        var rows = new List<string>();
        using var read = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = staging.File, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        read.Open();
        using var cmd = read.CreateCommand();
        cmd.CommandText = "SELECT * FROM acc ORDER BY seq";
        using var r = cmd.ExecuteReader();
        while (r.Read()) rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return (rows, result.AccountCount);
    }

    private async Task<(ConnectorConnection Connector, ConnectorEngine Engine)> ConfluentAsync(RunningSimulator sim, string suffix)
    {
        var endpoint = await harness.SetUpAsync(sim, suffix);
        await using var db = factory.CreateDbContext();
        var connection = (await db.Endpoints.Include(e => e.SecuritySystem).ThenInclude(s => s!.ImportConnection).ThenInclude(c => c!.Attributes)
            .SingleAsync(e => e.Name == endpoint)).SecuritySystem!.ImportConnection!;
        var engines = harness.Service<ConnectorEngineFactory>();
        var attributes = engines.DecryptAttributes(connection);
        return (ConnectorEngineFactory.Parse(connection.Name, attributes), engines.Create(connection, attributes));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
