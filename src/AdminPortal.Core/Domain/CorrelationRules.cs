namespace AdminPortal.Core.Domain;

/// <summary>
/// An endpoint's correlation rule, "accountColumn=userAttribute", e.g. "name=username",
/// "customproperty1=email". Accounts whose column equals a user's attribute get that user as owner.
/// </summary>
public static class CorrelationRules
{
    public static readonly IReadOnlyList<string> UserAttributes = ["username", "email", "customproperty1", "customproperty2", "customproperty3"];

    public static bool TryParse(string rule, out (string AccountColumn, string UserAttribute) parsed, out string? error)
    {
        parsed = default;
        var parts = rule.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"Correlation rule '{rule}' must look like accountColumn=userAttribute (e.g. name=username).";
            return false;
        }

        var column = parts[0].ToLowerInvariant();
        var known = column is "name" or "accountid" or "displayname" ||
                    (column.StartsWith("customproperty", StringComparison.Ordinal) && int.TryParse(column["customproperty".Length..], out var n) && n is >= 1 and <= Account.CustomPropertyCount);
        if (!known)
        {
            error = $"Account column '{parts[0]}' is not one of name, accountid, displayname, customproperty1…{Account.CustomPropertyCount}.";
            return false;
        }

        var attribute = parts[1].ToLowerInvariant();
        if (!UserAttributes.Contains(attribute))
        {
            error = $"User attribute '{parts[1]}' is not one of {string.Join(", ", UserAttributes)}.";
            return false;
        }

        parsed = (column, attribute);
        error = null;
        return true;
    }
}
