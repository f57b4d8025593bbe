<?cs # Page head shared by all portals. Expects Page.Title. ?>
<!DOCTYPE html>
<html lang="<?cs var:Page.Lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.Title ?> · <?cs var:Lang.portal[Page.Portal] ?> · <?cs var:Lang.product ?></title>
<link rel="stylesheet" href="<?cs var:Page.Static ?>/css/mailhive.css">
<?cs if:Page.Skin ?><link rel="stylesheet" href="<?cs var:Page.Static ?>/css/skin-<?cs var:Page.Skin ?>.css" id="skin-css">
<?cs include:"skin.cs" ?><?cs /if ?>
<?cs if:Page.Script ?><script src="<?cs var:Page.Static ?>/js/<?cs var:Page.Script ?>" defer></script><?cs /if ?>
</head>
<body class="portal-<?cs var:Page.Portal ?><?cs if:Page.Skin ?> skin-<?cs var:Page.Skin ?><?cs /if ?>">
<header class="topbar">
  <a class="brand" href="<?cs var:Page.Base ?>/"><?cs var:Lang.product ?> <span class="portal-name"><?cs var:Lang.portal[Page.Portal] ?></span></a>
<?cs if:Session.Login ?>
  <div class="account">
    <span class="label"><?cs var:Lang.home.signed_in_as ?></span>
    <strong id="whoami"><?cs var:Session.Login ?></strong>
    <form method="post" action="<?cs var:Page.Base ?>/logout" class="logout">
      <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
      <button type="submit"><?cs var:Lang.home.logout ?></button>
    </form>
  </div>
<?cs /if ?>
</header>
<?cs if:Session.Login ?>
<nav class="mainnav" aria-label="<?cs var:Lang.nav.label ?>">
  <ul>
    <li><a href="<?cs var:Page.Base ?>/"<?cs if:!Page.Nav ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav.home ?></a></li>
<?cs each:item = Nav ?>
<?cs if:item.Path ?>
    <li><a href="<?cs var:Page.Base ?><?cs var:item.Path ?>"<?cs if:Page.Nav == item.Key ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav[item.Key] ?></a></li>
<?cs else ?>
    <li><span class="disabled" title="<?cs var:Lang.home.soon ?>"><?cs var:Lang.nav[item.Key] ?></span></li>
<?cs /if ?>
<?cs /each ?>
  </ul>
</nav>
<?cs /if ?>
<main>
