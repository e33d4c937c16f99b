using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;

namespace AdminPortal.Core.Connectors.Auth;

/// <summary>One <see cref="AuthSession"/> per ConnectionJSON profile for the duration of a run (import or provisioning
/// task), so token state, refreshes and rate-limit counting are shared by every call naming the same profile.</summary>
public sealed class AuthSessionPool
{
    private readonly ConnectionDefinition _connection;
    private readonly CallExecutor _exec;
    private readonly ConnectorEngineOptions _options;
    private readonly string _attribute;
    private readonly Dictionary<string, AuthSession> _sessions = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public AuthSessionPool(ConnectionDefinition connection, CallExecutor exec, ConnectorEngineOptions options, string attribute = "ImportAccountEntJSON")
    {
        _connection = connection;
        _exec = exec;
        _options = options;
        _attribute = attribute;
    }

    /// <summary>The session of profile <paramref name="profile"/> (null = the only profile). Throws
    /// <see cref="ConnectorConfigException"/> naming <paramref name="usedBy"/> (in <paramref name="attribute"/>) when the profile does not exist.</summary>
    public AuthSession Get(string? profile, string usedBy, string? attribute = null)
    {
        var p = _connection.Get(profile, usedBy, attribute ?? _attribute);
        lock (_gate)
        {
            if (!_sessions.TryGetValue(p.Name, out var s)) _sessions[p.Name] = s = new AuthSession(p, _exec, _options);
            return s;
        }
    }
}
