<#
.SYNOPSIS
Installs this Flotilla server bundle on Windows (the counterpart of install.sh).

.DESCRIPTION
Verifies the bundle's checksums, copies it to ROOT\versions\VERSION, points the junction ROOT\current at it and
prepares the node home; with -InstallService it also registers the Windows service "flotilla-node" (run by
WinSW) under a dedicated account, never LocalSystem: by default the service's own virtual account
'NT SERVICE\flotilla-node'. That account may read the installed versions and write its home and logs; it
needs nothing else but the cluster's shared folder. It writes nothing secret: the node's flotilla.json
(database URL, master key) is written by `flotilla-node init` into the home, which only SYSTEM,
Administrators and the service account may open.
Idempotent: running it again with the same bundle changes nothing. It does not start the service.

A Windows node has no embedded PostgreSQL: create its home with `flotilla-node init --db <PostgreSQL URL>`.

.PARAMETER Root
Where versions live (default: $env:ProgramFiles\Flotilla).

.PARAMETER NodeHome
The node home (default: ROOT\home).

.PARAMETER InstallService
Register (or update) the Windows service "flotilla-node". Needs an elevated PowerShell.

.PARAMETER ServiceUser
The account the service runs as, and that alone (besides SYSTEM and Administrators) may open the home.
With -InstallService the default is the virtual account 'NT SERVICE\flotilla-node', which needs no password
and reaches network shares as the computer account (DOMAIN\HOST$). For a shared folder on another server
use a group managed service account ('DOMAIN\flotilla$') or a dedicated domain user with -ServicePassword
(it needs the 'Log on as a service' right), and give that account read and write on the shared folder.
LocalSystem is refused: the node never runs with full control of the machine. Without -InstallService
the default is the current user.

.PARAMETER ServicePassword
The password of -ServiceUser, when it is a user account.

.PARAMETER WinSW
The service wrapper to use instead of the bundled WinSW 1.17, e.g. a WinSW-x64.exe (2.x or 3.x) downloaded
from the WinSW releases on GitHub (github.com/winsw/winsw). This script never downloads anything.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File .\install.ps1 -InstallService
#>
[CmdletBinding()]
param(
  [string]$Root = (Join-Path $env:ProgramFiles 'Flotilla'),
  [string]$NodeHome,
  [switch]$InstallService,
  [string]$ServiceUser,
  [securestring]$ServicePassword,
  [string]$WinSW
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Fail([string]$Message) {
  throw "install.ps1: $Message"
}

function Resolve-FullPath([string]$Path) {
  $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path).TrimEnd('\')
}

# The entry itself, also when it is a junction whose target is gone (Test-Path follows junctions).
function Get-Entry([string]$Path) {
  Get-ChildItem -LiteralPath (Split-Path -Parent $Path) -Force |
    Where-Object { $_.Name -eq (Split-Path -Leaf $Path) }
}

# The files SHA256SUMS lists that are missing or differ (`sha256sum -c` in install.sh).
function Get-ChecksumProblems([string]$Dir) {
  $problems = @()
  $sums = Join-Path $Dir 'SHA256SUMS'
  if (-not (Test-Path -LiteralPath $sums -PathType Leaf)) { return , @('SHA256SUMS is missing') }
  foreach ($line in Get-Content -LiteralPath $sums) {
    if ($line -eq '') { continue }
    $match = [regex]::Match($line, '^([0-9a-f]{64})  ([^:\\]+)$')
    $relative = $match.Groups[2].Value
    if (-not $match.Success -or $relative.StartsWith('/') -or $relative -match '(^|/)\.\.(/|$)') {
      $problems += "unexpected line in SHA256SUMS: $line"
      continue
    }
    $file = Join-Path $Dir ($relative -replace '/', '\')
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) {
      $problems += "missing: $relative"
    } elseif ((Get-FileHash -LiteralPath $file -Algorithm SHA256).Hash.ToLowerInvariant() -ne $match.Groups[1].Value) {
      $problems += "changed: $relative"
    }
  }
  return , $problems
}

function Test-SameFile([string]$A, [string]$B) {
  (Test-Path -LiteralPath $A -PathType Leaf) -and (Test-Path -LiteralPath $B -PathType Leaf) -and
  ((Get-FileHash -LiteralPath $A -Algorithm SHA256).Hash -eq (Get-FileHash -LiteralPath $B -Algorithm SHA256).Hash)
}

function Test-Administrator {
  $principal = [System.Security.Principal.WindowsPrincipal]::new([System.Security.Principal.WindowsIdentity]::GetCurrent())
  $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
}

# An account name as Windows writes them ('NT SERVICE\flotilla-node', 'DOMAIN\user', '.\user', 'flotilla$',
# 'user@domain'):
# anything else (quotes, ';', line breaks) is refused before it is used.
function Test-AccountName([string]$Account) {
  # \z, not $: in .NET, $ also matches before a final line break.
  $Account -match '^(\.\\|\w[\w .-]*\\)?\w[\w .-]*\$?\z' -or $Account -match '^\w[\w.-]*@\w[\w.-]*\z'
}

function Get-AccountSid([string]$Account) {
  try {
    [System.Security.Principal.NTAccount]::new($Account).Translate([System.Security.Principal.SecurityIdentifier])
  } catch {
    Fail "unknown account '$Account': check -ServiceUser (e.g. 'NT SERVICE\$ServiceName', 'DOMAIN\flotilla`$' or 'DOMAIN\user')."
  }
}

# Only SYSTEM, Administrators and the given accounts may open $Path (chmod 700 in install.sh).
function Set-PrivateAcl([string]$Path, [System.Security.Principal.SecurityIdentifier[]]$Accounts) {
  $acl = Get-Acl -LiteralPath $Path
  $acl.SetAccessRuleProtection($true, $false)  # drops the rules inherited from the parent folder
  foreach ($rule in @($acl.Access | Where-Object { -not $_.IsInherited })) { [void]$acl.RemoveAccessRule($rule) }
  $allowed = @(
    [System.Security.Principal.SecurityIdentifier]::new('S-1-5-18'),     # SYSTEM
    [System.Security.Principal.SecurityIdentifier]::new('S-1-5-32-544')  # Administrators
  ) + $Accounts
  foreach ($sid in $allowed) {
    $acl.AddAccessRule([System.Security.AccessControl.FileSystemAccessRule]::new(
        $sid, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
  }
  Set-Acl -LiteralPath $Path -AclObject $acl
}

# Lets $Account read and run what is under $Path, beside the rules already there (the installed versions).
function Grant-ReadAccess([string]$Path, [System.Security.Principal.SecurityIdentifier]$Account) {
  $acl = Get-Acl -LiteralPath $Path
  $acl.AddAccessRule([System.Security.AccessControl.FileSystemAccessRule]::new(
      $Account, 'ReadAndExecute', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
  Set-Acl -LiteralPath $Path -AclObject $acl
}

function ConvertTo-XmlText([string]$Text) {
  [System.Security.SecurityElement]::Escape($Text)
}

$bundle = $PSScriptRoot
$Root = Resolve-FullPath $Root
$NodeHome = if ($NodeHome) { Resolve-FullPath $NodeHome } else { Join-Path $Root 'home' }

$packageJson = Join-Path $bundle 'package.json'
$version = $null
if (Test-Path -LiteralPath $packageJson -PathType Leaf) {
  $property = (Get-Content -Raw -LiteralPath $packageJson | ConvertFrom-Json).PSObject.Properties['version']
  if ($property) { $version = $property.Value }
}
if (-not $version) { Fail "cannot read the version from $packageJson`: is the bundle complete?" }

# A damaged or tampered bundle must never become the running version.
$problems = Get-ChecksumProblems $bundle
if ($problems.Count -gt 0) {
  Fail ("checksum mismatch in ${bundle}: download or upload the bundle again.`n  " + ($problems -join "`n  "))
}

# The service's name and default account, as the MSI and the WinSW XML have them (one definition).
$definition = Get-Content -Raw -LiteralPath (Join-Path $bundle 'resources\windows\service.json') | ConvertFrom-Json
$ServiceName = $definition.id
$VirtualAccount = $definition.virtualAccount
if ($InstallService -and -not $ServiceUser) { $ServiceUser = $VirtualAccount }
if ($ServiceUser -and -not (Test-AccountName $ServiceUser)) {
  Fail "-ServiceUser '$ServiceUser' is not an account name: use e.g. '$VirtualAccount', 'DOMAIN\flotilla`$' or 'DOMAIN\user'."
}
if ($ServiceUser -match '^(\.\\)?LocalSystem\z|^(NT AUTHORITY\\)?SYSTEM\z') {
  Fail ("-ServiceUser $ServiceUser would give the node full control of the machine: leave -ServiceUser out " +
    "(the service then runs as '$VirtualAccount'), or name a dedicated account.")
}

if ($InstallService -and -not (Test-Administrator)) {
  Fail 'installing the service needs an elevated PowerShell: run it again "as Administrator".'
}

$versions = Join-Path $Root 'versions'
$target = Join-Path $versions $version
try {
  New-Item -ItemType Directory -Force -Path $versions | Out-Null
} catch {
  Fail "cannot create ${versions}: run it as Administrator, or pass -Root with a folder you may write. ($($_.Exception.Message))"
}
if (Test-SameFile (Join-Path $target 'SHA256SUMS') (Join-Path $bundle 'SHA256SUMS')) {
  Write-Output "version $version is already installed in $target"
} else {
  # Copy next to the target and rename, so a half-copied folder never looks installed.
  $staging = Join-Path $versions ".installing-$version.$([System.IO.Path]::GetRandomFileName())"
  New-Item -ItemType Directory -Path $staging | Out-Null
  Copy-Item -Path (Join-Path $bundle '*') -Destination $staging -Recurse -Force
  if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
  Move-Item -LiteralPath $staging -Destination $target
  Write-Output "installed version $version in $target"
}

# Repoint current: a junction cannot be replaced in one step, so the new one is made first and swapped in.
$current = Join-Path $Root 'current'
$next = Join-Path $Root '.current-next'
if (Get-Entry $next) { [System.IO.Directory]::Delete($next, $false) }
New-Item -ItemType Junction -Path $next -Value $target | Out-Null
$existing = Get-Entry $current
if ($existing) {
  if (-not ($existing.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
    Fail "$current is a folder, not a junction: move it away, then run install.ps1 again."
  }
  # Removes the junction only, never the version it points at.
  [System.IO.Directory]::Delete($current, $false)
}
[System.IO.Directory]::Move($next, $current)
Write-Output "current -> versions\$version"

if ($InstallService) {
  $serviceDir = Join-Path $Root 'service'
  $logs = Join-Path $Root 'logs'
  $wrapper = Join-Path $serviceDir "$ServiceName.exe"
  $source = if ($WinSW) { Resolve-FullPath $WinSW } else { Join-Path $target 'resources\windows\winsw\winsw.exe' }
  if (-not (Test-Path -LiteralPath $source -PathType Leaf)) {
    Fail "no WinSW at ${source}: pass -WinSW with the path of a WinSW-x64.exe from the WinSW releases on GitHub (github.com/winsw/winsw)."
  }
  New-Item -ItemType Directory -Force -Path $serviceDir, $logs | Out-Null
  if (-not (Test-SameFile $source $wrapper)) {
    try {
      Copy-Item -LiteralPath $source -Destination $wrapper -Force
    } catch {
      Fail "cannot replace ${wrapper} (is the service running? Stop-Service $ServiceName first): $($_.Exception.Message)"
    }
  }
  # The bundled WinSW 1.17 is a .NET Framework program: its .config lets it run on .NET 4.
  $wrapperConfig = "$wrapper.config"
  if ($WinSW) {
    if (Test-Path -LiteralPath $wrapperConfig) { Remove-Item -LiteralPath $wrapperConfig -Force }
  } else {
    Copy-Item -LiteralPath "$source.config" -Destination $wrapperConfig -Force
  }

  $template = Get-Content -Raw -LiteralPath (Join-Path $target "resources\windows\$ServiceName.xml")
  $xml = $template.Replace('@ROOT@', (ConvertTo-XmlText $Root))
  $xml = $xml.Replace('@HOME@', (ConvertTo-XmlText $NodeHome)).Replace('@LOGS@', (ConvertTo-XmlText $logs))
  [System.IO.File]::WriteAllText((Join-Path $serviceDir "$ServiceName.xml"), $xml, [System.Text.UTF8Encoding]::new($false))

  if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    Write-Output "service $ServiceName already registered; its configuration in $serviceDir is updated"
  } else {
    & $wrapper install
    if ($LASTEXITCODE -ne 0) { Fail "$wrapper install failed (exit code $LASTEXITCODE); its log is in $serviceDir." }
  }
  # The account is set on the service itself, not in the WinSW XML: the same call for every WinSW version,
  # and a password never lands in a file. WinSW registers the service as LocalSystem; this changes it.
  if ($ServiceUser) {
    $password = ''
    if ($ServicePassword) { $password = [System.Net.NetworkCredential]::new('', $ServicePassword).Password }
    $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'"
    $result = Invoke-CimMethod -InputObject $service -MethodName Change -Arguments @{
      StartName = $ServiceUser; StartPassword = $password
    }
    if ($result.ReturnValue -ne 0) {
      Fail ("cannot run the service as $ServiceUser (Win32_Service.Change returned $($result.ReturnValue)): check the " +
        "account and -ServicePassword; a user account also needs the 'Log on as a service' right.")
    }
  }
}

# The home: only SYSTEM, Administrators and the account the node runs as may open it. The service account
# also reads the installed versions (and the wrapper beside them) and writes its logs; nothing more.
$accounts = @()
if ($ServiceUser) {
  $accounts += Get-AccountSid $ServiceUser
} else {
  $accounts += [System.Security.Principal.WindowsIdentity]::GetCurrent().User
}
New-Item -ItemType Directory -Force -Path $NodeHome | Out-Null
Set-PrivateAcl $NodeHome $accounts
if ($InstallService) {
  Grant-ReadAccess $Root $accounts[0]
  Set-PrivateAcl $logs $accounts
  Write-Output ("service $ServiceName installed, running as $ServiceUser (start it once $NodeHome\flotilla.json " +
    "exists: Start-Service $ServiceName). It needs read and write on the cluster's shared folder.")
} else {
  Write-Output ("no service: run `"$current\node\node.exe`" `"$current\server\flotilla-node.mjs`" run --home " +
    "`"$NodeHome`", or run install.ps1 -InstallService")
}
