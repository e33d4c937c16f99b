using System.Data.Common;
using AdminPortal.Core.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using DomainExchange = AdminPortal.Core.Domain.HttpExchange;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>
/// The rows a WSRETRY result group writes one or more of per task — its redacted exchanges, its attempt audit event and
/// its new state — as prepared, parameterised statements inside the group's transaction (ADR-016). Through EF change
/// tracking these cost about three quarters of a millisecond per task (snapshots, change detection, a command built per
/// row), more than the HTTP call; a prepared statement is compiled once per group and only rebound per row. Rows with
/// rules of their own (links, requests, e-mails, updates of existing accounts) stay with EF. New accounts are inserted here
/// too (an Account has some sixty columns, and EF's insert of one cost more than the rest of the group's rows together);
/// their column list comes from the EF model, so it follows the entity, and the AccountCounts triggers see these inserts
/// like any other.
/// </summary>
internal sealed class ResultRowWriter : IAsyncDisposable
{
    private readonly SqliteCommand _exchange;
    private readonly SqliteCommand _audit;
    private readonly SqliteCommand _task;
    private readonly SqliteCommand _account;
    private readonly IReadOnlyList<IProperty> _accountColumns;

    public ResultRowWriter(DbConnection connection, DbTransaction transaction, IModel model)
    {
        var c = (SqliteConnection)connection;
        var tx = (SqliteTransaction)transaction;
        var accounts = model.FindEntityType(typeof(Account)) ?? throw new InvalidOperationException("Account is not in the model.");
        // every stored column but the generated key and the computed (virtual) search columns
        _accountColumns = accounts.GetProperties()
            .Where(p => p.PropertyInfo is not null && p.ValueGenerated != ValueGenerated.OnAdd && p.GetComputedColumnSql() is null).ToList();
        var table = accounts.GetTableName();
        var columns = string.Join(", ", _accountColumns.Select(p => "\"" + p.GetColumnName() + "\""));
        var values = string.Join(", ", _accountColumns.Select((_, i) => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _account = Prepare(c, tx, $"INSERT INTO \"{table}\" ({columns}) VALUES ({values}) RETURNING Id", _accountColumns.Count);
        _exchange = Prepare(c, tx, "INSERT INTO HttpExchanges (JobRunId, TaskId, Sequence, StartedUtc, DurationMs, Method, Url, OriginalUrl, RequestHeaders, RequestBody, StatusCode, ResponseHeaders, ResponseBody, Error) "
                                   + "VALUES (NULL, $p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12)", 13);
        _audit = Prepare(c, tx, "INSERT INTO AuditEvents (Utc, Actor, Action, TargetKind, TargetName, Details) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)", 6);
        _task = Prepare(c, tx, "UPDATE ProvisioningTasks SET Status = $p0, NextAttemptUtc = $p1, IntentRecordedUtc = NULL, UpdatedUtc = $p2, LastError = $p3, ErrorSignature = $p4, "
                               + "CompletedUtc = $p5, CompletedBy = $p6, AccountId = $p7 WHERE Id = $p8", 9);
    }

    public Task InsertAsync(DomainExchange x, CancellationToken ct) =>
        RunAsync(_exchange, ct, x.TaskId, x.Sequence, x.StartedUtc, x.DurationMs, x.Method, x.Url, x.OriginalUrl, x.RequestHeaders, x.RequestBody, x.StatusCode, x.ResponseHeaders, x.ResponseBody, x.Error);

    /// <summary>Inserts a new account and sets its <see cref="Account.Id"/>.</summary>
    public async Task InsertAsync(Account account, CancellationToken ct)
    {
        for (var i = 0; i < _accountColumns.Count; i++)
        {
            var value = _accountColumns[i].PropertyInfo!.GetValue(account);
            _account.Parameters[i].Value = value is Enum e ? Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture) : value ?? DBNull.Value;
        }

        account.Id = (long)(await _account.ExecuteScalarAsync(ct))!;
    }

    public Task InsertAsync(AuditEvent e, CancellationToken ct) => RunAsync(_audit, ct, e.Utc, e.Actor, e.Action, e.TargetKind, e.TargetName, e.Details);

    /// <summary>The task's state after its attempt, intent cleared (unconditional, as the EF update it replaces).</summary>
    public Task UpdateAsync(ProvisioningTask t, CancellationToken ct) =>
        RunAsync(_task, ct, (int)t.Status, t.NextAttemptUtc, t.UpdatedUtc, t.LastError, t.ErrorSignature, t.CompletedUtc, t.CompletedBy, t.AccountId, t.Id);

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++) command.Parameters.Add(new SqliteParameter("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), DBNull.Value));
        command.Prepare();
        return command;
    }

    private static async Task RunAsync(SqliteCommand command, CancellationToken ct, params object?[] values)
    {
        // DateTime binds as "yyyy-MM-dd HH:mm:ss.FFFFFFF", the text EF Core's SQLite provider stores, so EF queries and the
        // conditional claim/intent updates compare these values as their own
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _exchange.DisposeAsync();
        await _audit.DisposeAsync();
        await _task.DisposeAsync();
        await _account.DisposeAsync();
    }
}
