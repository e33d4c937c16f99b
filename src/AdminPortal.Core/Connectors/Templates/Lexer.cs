using System.Globalization;
using System.Text;

namespace AdminPortal.Core.Connectors.Templates;

internal enum TokenKind { Identifier, Number, String, Operator, End }

internal sealed record Token(TokenKind Kind, string Text, int Offset, object? Value = null, bool Interpolated = false, bool NewLineBefore = false);

/// <summary>Tokenizer for the Groovy subset.</summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
    {
        "==~", "?.", "?:", "*.", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "->", "=~", "<<",
        "?", ":", ".", ",", ";", "(", ")", "[", "]", "{", "}", "<", ">", "!", "+", "-", "*", "/", "%", "=",
    };

    private readonly string _src;
    private int _pos;

    public Lexer(string source) => _src = source;

    public List<Token> Tokenize()
    {
        var list = new List<Token>();
        while (true)
        {
            bool nl = SkipTrivia();
            if (_pos >= _src.Length)
            {
                list.Add(new Token(TokenKind.End, "", _src.Length, NewLineBefore: nl));
                return list;
            }
            char c = _src[_pos];
            int start = _pos;
            if (char.IsLetter(c) || c == '_' || c == '$')
            {
                while (_pos < _src.Length && (char.IsLetterOrDigit(_src[_pos]) || _src[_pos] == '_' || _src[_pos] == '$')) _pos++;
                list.Add(new Token(TokenKind.Identifier, _src[start.._pos], start, NewLineBefore: nl));
            }
            else if (char.IsDigit(c))
            {
                list.Add(ReadNumber(nl));
            }
            else if (c == '\'' || c == '"')
            {
                list.Add(ReadString(c, nl));
            }
            else
            {
                string? op = null;
                foreach (var candidate in Operators)
                {
                    if (string.CompareOrdinal(_src, _pos, candidate, 0, candidate.Length) == 0) { op = candidate; break; }
                }
                if (op is null)
                {
                    throw new ExpressionException(ExpressionErrorKind.Syntax, $"unexpected character '{c}'", _src, _pos);
                }
                // "?." is not safe navigation when followed by a digit: a ? .5 : b (unused in practice), keep simple.
                _pos += op.Length;
                list.Add(new Token(TokenKind.Operator, op, start, NewLineBefore: nl));
            }
        }
    }

    private bool SkipTrivia()
    {
        bool nl = false;
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c == '\n') { nl = true; _pos++; }
            else if (char.IsWhiteSpace(c)) { _pos++; }
            else if (c == '/' && _pos + 1 < _src.Length && _src[_pos + 1] == '/')
            {
                while (_pos < _src.Length && _src[_pos] != '\n') _pos++;
            }
            else if (c == '/' && _pos + 1 < _src.Length && _src[_pos + 1] == '*')
            {
                int end = _src.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (end < 0) throw new ExpressionException(ExpressionErrorKind.Syntax, "unterminated comment", _src, _pos);
                if (_src.AsSpan(_pos, end - _pos).Contains('\n')) nl = true;
                _pos = end + 2;
            }
            else break;
        }
        return nl;
    }

    private Token ReadNumber(bool nl)
    {
        int start = _pos;
        while (_pos < _src.Length && char.IsDigit(_src[_pos])) _pos++;
        bool isFloat = false;
        if (_pos + 1 < _src.Length && _src[_pos] == '.' && char.IsDigit(_src[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _src.Length && char.IsDigit(_src[_pos])) _pos++;
        }
        if (_pos < _src.Length && (_src[_pos] == 'e' || _src[_pos] == 'E'))
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && (_src[_pos] == '+' || _src[_pos] == '-')) _pos++;
            if (_pos < _src.Length && char.IsDigit(_src[_pos]))
            {
                isFloat = true;
                while (_pos < _src.Length && char.IsDigit(_src[_pos])) _pos++;
            }
            else _pos = save;
        }
        string text = _src[start.._pos];
        if (_pos < _src.Length && "lLiIgG".Contains(_src[_pos])) _pos++;
        else if (_pos < _src.Length && "dDfF".Contains(_src[_pos])) { _pos++; isFloat = true; }
        object value;
        if (isFloat)
        {
            value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
        {
            value = l;
        }
        else
        {
            throw new ExpressionException(ExpressionErrorKind.ArithmeticOverflow, $"number literal '{text}' is too large", _src, start);
        }
        return new Token(TokenKind.Number, text, start, value, NewLineBefore: nl);
    }

    private Token ReadString(char quote, bool nl)
    {
        int start = _pos;
        bool triple = _pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var sb = new StringBuilder();
        bool interpolated = false;
        while (true)
        {
            if (_pos >= _src.Length)
            {
                throw new ExpressionException(ExpressionErrorKind.Syntax, "unterminated string literal", _src, start);
            }
            char c = _src[_pos];
            if (triple)
            {
                if (c == quote && _pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote) { _pos += 3; break; }
            }
            else if (c == quote) { _pos++; break; }
            else if (c == '\n') throw new ExpressionException(ExpressionErrorKind.Syntax, "newline in string literal", _src, _pos);
            if (c == '\\')
            {
                if (_pos + 1 >= _src.Length) throw new ExpressionException(ExpressionErrorKind.Syntax, "unterminated string literal", _src, start);
                char e = _src[_pos + 1];
                _pos += 2;
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case '0': sb.Append('\0'); break;
                    case '\\': sb.Append('\\'); break;
                    case '\'': sb.Append('\''); break;
                    case '"': sb.Append('"'); break;
                    case '/': sb.Append('/'); break;
                    case '$':
                        // keep an escaped dollar distinguishable from an interpolation start
                        sb.Append(quote == '"' ? "\\$" : "$");
                        break;
                    case 'u':
                        if (_pos + 4 > _src.Length || !int.TryParse(_src.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        {
                            throw new ExpressionException(ExpressionErrorKind.Syntax, "invalid \\u escape", _src, _pos - 2);
                        }
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw new ExpressionException(ExpressionErrorKind.Syntax, $"invalid escape '\\{e}'", _src, _pos - 2);
                }
                continue;
            }
            if (quote == '"' && c == '$') interpolated = true;
            sb.Append(c);
            _pos++;
        }
        string text = sb.ToString();
        if (quote == '"' && !interpolated) text = text.Replace("\\$", "$", StringComparison.Ordinal);
        return new Token(TokenKind.String, _src[start.._pos], start, text, interpolated, nl);
    }
}
