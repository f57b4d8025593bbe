<?cs # Asked before what cannot be undone: emptying Trash or Junk,
     deleting messages for good. ?>
<?cs set:Page.Title = Lang.mail.confirm_title ?>
<?cs set:Page.Nav = "mail" ?>
<?cs include:"header.cs" ?>
<section class="confirm">
  <h1><?cs var:Lang.mail.confirm_title ?></h1>
  <form method="post" action="<?cs var:Page.Base ?>/mail/action" id="confirm">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="f" value="<?cs var:Confirm.Folder ?>">
    <input type="hidden" name="op" value="<?cs var:Confirm.Op ?>">
    <input type="hidden" name="confirm" value="1">
<?cs each:u = Confirm.Uids ?>    <input type="hidden" name="uid" value="<?cs var:u ?>">
<?cs /each ?>
    <p id="confirm-text"><?cs if:Confirm.Op == "empty" ?><?cs var:Lang.mail.confirm_empty ?> <strong><?cs if:Confirm.Special ?><?cs var:Lang.folder[Confirm.Special] ?><?cs else ?><?cs var:Confirm.Name ?><?cs /if ?></strong><?cs else ?><?cs var:Lang.mail.confirm_purge ?><?cs /if ?> (<?cs var:Confirm.Count ?>)</p>
    <button type="submit" class="danger"><?cs if:Confirm.Op == "empty" ?><?cs var:Lang.mail.empty_folder ?><?cs else ?><?cs var:Lang.mail.purge ?><?cs /if ?></button>
    <a href="<?cs var:Page.Base ?>/mail?f=<?cs var:Confirm.FolderEncoded ?>"><?cs var:Lang.folders.cancel ?></a>
  </form>
</section>
<?cs include:"footer.cs" ?>
