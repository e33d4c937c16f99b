using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>
/// Loads a list page for an import call with a <see cref="ResponseProjection"/>: the UTF-8 bytes are tokenised by
/// System.Text.Json's <see cref="Utf8JsonReader"/> as they arrive, and only the kept parts become Newtonsoft tokens
/// (the rest of the engine reads JTokens). What is not kept is skipped without decoding a character or allocating:
/// at 1M SCIM accounts the pages are 1.3 GB, most of it group member lists and record properties no column reads.
/// Each value is built in one pass over the buffer; one that the buffer ends inside is dropped and built again after
/// the next refill. The token tree built is the one <c>JToken.ReadFrom</c> builds for the kept parts (Newtonsoft's
/// number types, the last of two same-named properties, comments dropped); see ADR-022.
/// </summary>
internal sealed class ProjectedJsonLoader
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private enum Phase { BeforeRoot, InRoot, RootValue, InList, Done }

    private readonly string _listField;
    private readonly NameSet _recordProperties;
    private readonly Dictionary<string, NameSet> _nested;
    private JsonReaderState _state = new(Options);
    private Phase _phase = Phase.BeforeRoot;
    private JObject? _root;
    private JArray? _list;
    private string? _property;
    private JToken? _result;

    private ProjectedJsonLoader(ResponseProjection projection)
    {
        _listField = projection.ListField;
        _recordProperties = new NameSet(projection.RecordProperties);
        _nested = projection.NestedProperties.ToDictionary(n => n.Key, n => new NameSet(n.Value), StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the whole document from <paramref name="body"/>, after <paramref name="prefix"/> (bytes already taken from
    /// it, past a UTF-8 byte order mark, which Utf8JsonReader does not accept: the caller has skipped it). Malformed or truncated JSON, and content after the document, raise <see cref="JsonException"/>; text that is
    /// not valid UTF-8 raises <see cref="InvalidOperationException"/>.
    /// </summary>
    public static async Task<JToken> LoadAsync(ReadOnlyMemory<byte> prefix, Stream body, ResponseProjection projection, CancellationToken ct)
    {
        var loader = new ProjectedJsonLoader(projection);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(64 * 1024, prefix.Length));
        try
        {
            prefix.CopyTo(buffer);
            int start = 0, end = prefix.Length;
            bool final = false;
            while (true)
            {
                start += loader.Advance(buffer.AsSpan(start, end - start), final);
                if (final)
                {
                    if (loader._phase == Phase.Done) return loader._result!;
                    throw new JsonException("unexpected end of the JSON document");
                }
                if (start > 0)
                {
                    // keep the unread tail (a partial token or an incomplete record) at the front
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    // one value larger than the buffer: double it (the response size is capped by the stream)
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                // fill the buffer before parsing again: a value that did not fit is scanned again only after the
                // buffer has doubled, so a huge record costs a linear number of scans, not one per network read
                while (end < buffer.Length)
                {
                    int n = await body.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        final = true;
                        break;
                    }
                    end += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Consumes every complete token of <paramref name="data"/> it can; returns the bytes consumed. A value that
    /// is loaded as a whole (a record, an envelope property) is consumed only once all its bytes are there.</summary>
    private int Advance(ReadOnlySpan<byte> data, bool final)
    {
        var r = new Utf8JsonReader(data, final, _state);
        while (true)
        {
            var checkpoint = r;
            if (!r.Read()) break;
            if (!Accept(ref r))
            {
                r = checkpoint; // the value is not complete in this buffer: read it again after the next refill
                break;
            }
        }
        _state = r.CurrentState;
        return (int)r.BytesConsumed;
    }

    private bool Accept(ref Utf8JsonReader r)
    {
        switch (_phase)
        {
            case Phase.BeforeRoot:
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    _root = new JObject();
                    _phase = Phase.InRoot;
                    return true;
                }
                if (!TryValue(ref r, out var document)) return false;
                _result = document;
                _phase = Phase.Done;
                return true;
            case Phase.InRoot:
                if (r.TokenType == JsonTokenType.EndObject)
                {
                    _result = _root;
                    _phase = Phase.Done;
                    return true;
                }
                _property = r.GetString()!;
                _phase = Phase.RootValue;
                return true;
            case Phase.RootValue:
                if (r.TokenType == JsonTokenType.StartArray && _property == _listField)
                {
                    _list = new JArray();
                    _phase = Phase.InList;
                    return true;
                }
                if (!TryValue(ref r, out var value)) return false;
                _root![_property!] = value;
                _phase = Phase.InRoot;
                return true;
            case Phase.InList:
                if (r.TokenType == JsonTokenType.EndArray)
                {
                    _root![_property!] = _list;
                    _phase = Phase.InRoot;
                    return true;
                }
                JToken? record;
                if (!(r.TokenType == JsonTokenType.StartObject ? TryPrunedObject(ref r, _recordProperties, _nested, out record) : TryValue(ref r, out record))) return false;
                _list!.Add(record);
                return true;
            default:
                throw new JsonException("unexpected content after the JSON document");
        }
    }

    // The Try… builders read one value from the streaming reader. They return false as soon as the buffer ends inside
    // it (Read or TrySkip says so); the caller then drops what was built and reads the value again, from its first
    // token, after the next refill. Only the few records that straddle a buffer boundary are read twice.

    /// <summary>An object keeps only the <paramref name="keep"/> properties; an array does so for each object in it.</summary>
    private static bool TryPruned(ref Utf8JsonReader r, NameSet keep, [NotNullWhen(true)] out JToken? value)
    {
        if (r.TokenType == JsonTokenType.StartObject) return TryPrunedObject(ref r, keep, null, out value);
        if (r.TokenType != JsonTokenType.StartArray) return TryValue(ref r, out value);
        var array = new JArray();
        value = array;
        while (true)
        {
            if (!r.Read()) return false;
            if (r.TokenType == JsonTokenType.EndArray) return true;
            JToken? item;
            if (!(r.TokenType == JsonTokenType.StartObject ? TryPrunedObject(ref r, keep, null, out item) : TryValue(ref r, out item))) return false;
            array.Add(item);
        }
    }

    /// <summary>An object that keeps only the <paramref name="keep"/> properties, each whole or, when
    /// <paramref name="nested"/> names it, pruned in turn (a list record: <c>groups</c> keeps only <c>value</c>).</summary>
    private static bool TryPrunedObject(ref Utf8JsonReader r, NameSet keep, Dictionary<string, NameSet>? nested, [NotNullWhen(true)] out JToken? value)
    {
        var o = new JObject();
        value = o;
        while (true)
        {
            if (!r.Read()) return false;
            if (r.TokenType != JsonTokenType.PropertyName) return true;
            var key = keep.Find(ref r);
            if (!r.Read()) return false;
            if (key is null)
            {
                if (!r.TrySkip()) return false;
                continue;
            }
            JToken? inner;
            if (!(nested is not null && nested.TryGetValue(key, out var keepInner) ? TryPruned(ref r, keepInner, out inner) : TryValue(ref r, out inner))) return false;
            o[key] = inner;
        }
    }

    /// <summary>The value at the reader as JToken.ReadFrom loads it.</summary>
    private static bool TryValue(ref Utf8JsonReader r, [NotNullWhen(true)] out JToken? value)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                var o = new JObject();
                value = o;
                while (true)
                {
                    if (!r.Read()) return false;
                    if (r.TokenType != JsonTokenType.PropertyName) return true;
                    var name = r.GetString()!;
                    if (!r.Read() || !TryValue(ref r, out var inner)) return false;
                    o[name] = inner;
                }
            case JsonTokenType.StartArray:
                var a = new JArray();
                value = a;
                while (true)
                {
                    if (!r.Read()) return false;
                    if (r.TokenType == JsonTokenType.EndArray) return true;
                    if (!TryValue(ref r, out var inner)) return false;
                    a.Add(inner);
                }
            default:
                value = Scalar(ref r);
                return true;
        }
    }

    /// <summary>
    /// Kept property names, matched against a property name token without decoding it: candidates are found by the
    /// UTF-8 length and compared byte by byte (a SCIM user has ~40 properties, of which an import reads a handful).
    /// </summary>
    private sealed class NameSet
    {
        private readonly (byte[] Utf8, string Name)[][] _byLength;
        private readonly HashSet<string> _names;

        public NameSet(IEnumerable<string> names)
        {
            _names = new HashSet<string>(names, StringComparer.Ordinal);
            var max = _names.Count == 0 ? 0 : _names.Max(n => Encoding.UTF8.GetByteCount(n));
            _byLength = new (byte[], string)[max + 1][];
            foreach (var group in _names.Select(n => (Utf8: Encoding.UTF8.GetBytes(n), Name: n)).GroupBy(x => x.Utf8.Length))
                _byLength[group.Key] = group.ToArray();
        }

        /// <summary>The kept name (the set's own string) the reader's property name equals, or null.</summary>
        public string? Find(ref Utf8JsonReader r)
        {
            if (r.ValueIsEscaped)
            {
                var name = r.GetString()!;
                return _names.TryGetValue(name, out var kept) ? kept : null;
            }
            var bytes = r.ValueSpan;
            if (bytes.Length >= _byLength.Length || _byLength[bytes.Length] is not { } candidates) return null;
            foreach (var c in candidates)
            {
                if (bytes.SequenceEqual(c.Utf8)) return c.Name;
            }
            return null;
        }
    }

    /// <summary>A string, number, boolean or null with Newtonsoft's types: an integer literal is an Int64 (BigInteger
    /// beyond), any other number a Double; strings stay strings (no date parsing).</summary>
    private static JValue Scalar(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.String:
                return new JValue(r.GetString());
            case JsonTokenType.Number:
                var text = r.ValueSpan;
                if (text.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
                {
                    return r.TryGetInt64(out var l) ? new JValue(l) : new JValue(BigInteger.Parse(Encoding.UTF8.GetString(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                }
                return new JValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case JsonTokenType.True:
                return new JValue(true);
            case JsonTokenType.False:
                return new JValue(false);
            case JsonTokenType.Null:
                return JValue.CreateNull();
            default:
                throw new JsonException($"unexpected {r.TokenType} at byte {r.TokenStartIndex}");
        }
    }
}
