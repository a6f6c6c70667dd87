using System.Net;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Allmende.Host.Web;

/// <summary>
/// A page whose data the API refuses (403 not yours, 404 unknown) answers with that status and a plain
/// page saying so: the refusal is the server's, not a hidden link.
/// </summary>
internal sealed class ApiRefusalFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Exception is ApiRefusedException refused && refused.Answer.Status is >= 400 and < 500)
        {
            executed.ExceptionHandled = true;
            var (title, text) = refused.Answer.Status switch
            {
                403 => (Texts.L("Kein Zugriff"), Texts.L("Diese Seite gehört nicht zu Ihren Organisationen oder Förderungen.")),
                404 => (Texts.L("Nicht gefunden"), Texts.L("Das Gesuchte gibt es nicht, oder es ist für Sie nicht sichtbar.")),
                _ => (Texts.L("Anfrage abgelehnt"), refused.Answer.Problem()),
            };
            executed.Result = new ContentResult
            {
                StatusCode = refused.Answer.Status,
                ContentType = "text/html; charset=utf-8",
                Content = $"""
                    <!DOCTYPE html><html lang="{(Texts.English ? "en" : "de")}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                    <title>{title} – Allmende</title></head><body><main><h1>{title}</h1><p>{WebUtility.HtmlEncode(text)}</p>
                    <p><a href="/">{Texts.L("Zur Startseite")}</a></p></main></body></html>
                    """,
            };
        }
    }
}
