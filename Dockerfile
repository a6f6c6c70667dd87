# Build with the SDK, run on the smaller ASP.NET runtime image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json Allmende.slnx ./
COPY src/ src/
RUN dotnet publish src/Host/Allmende.Host.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
# The image's unprivileged user; port 8080 needs no root.
USER $APP_UID
ENTRYPOINT ["dotnet", "Allmende.Host.dll"]
