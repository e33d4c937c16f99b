namespace AdminPortal.Core.Connectors.Templates;

/// <summary>Variable lookup for expressions. Values may be nested dictionaries, Newtonsoft <c>JToken</c>s,
/// lists, strings, numbers, booleans or null.</summary>
public interface IBindingContext
{
    bool TryResolve(string name, out object? value);
}

/// <summary>A mutable name→value binding with an optional parent (lookups fall back to the parent).</summary>
public sealed class Bindings : IBindingContext
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    private readonly IBindingContext? _parent;

    public Bindings(IBindingContext? parent = null) => _parent = parent;

    public static Bindings Empty => new();

    public Bindings Set(string name, object? value)
    {
        _values[name] = value;
        return this;
    }

    public Bindings SetAll(IEnumerable<KeyValuePair<string, object?>> values)
    {
        foreach (var kv in values) _values[kv.Key] = kv.Value;
        return this;
    }

    public bool TryResolve(string name, out object? value)
    {
        if (_values.TryGetValue(name, out value)) return true;
        if (_parent is not null) return _parent.TryResolve(name, out value);
        value = null;
        return false;
    }
}
