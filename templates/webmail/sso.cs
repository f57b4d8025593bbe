<?cs # A login link from an outside portal: refused (Sso.Reason), or,
     when it came from another site, the step on to the mail. ?>
<?cs if:Sso.Continue ?><!DOCTYPE html>
<html lang="<?cs var:Page.Lang ?>">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=<?cs var:Page.Base ?><?cs var:Sso.Continue ?>">
<title><?cs var:Lang.sso.continue ?> · <?cs var:Lang.product ?></title>
<link rel="stylesheet" href="<?cs var:Page.Static ?>/css/mailhive.css">
</head>
<body class="portal-<?cs var:Page.Portal ?>">
<main><p><a href="<?cs var:Page.Base ?><?cs var:Sso.Continue ?>" id="continue"><?cs var:Lang.sso.continue ?></a></p></main>
</body>
</html><?cs else ?><?cs set:Page.Title = Lang.sso.title ?>
<?cs include:"header.cs" ?>
<section class="error-page sso">
  <h1><?cs var:Lang.sso.title ?></h1>
  <p class="error" id="sso-reason" data-reason="<?cs var:Sso.Reason ?>"><?cs var:Lang.sso.reason[Sso.Reason] ?></p>
  <p><?cs var:Lang.sso.hint ?></p>
  <p><a href="<?cs var:Page.Base ?>/login"><?cs var:Lang.sso.login ?></a></p>
</section>
<?cs include:"footer.cs" ?><?cs /if ?>
