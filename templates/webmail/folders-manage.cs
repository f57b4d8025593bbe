<?cs # Folder management: add, rename, delete (confirmed first). ?>
<?cs set:Page.Title = Lang.folders.title ?>
<?cs set:Page.Nav = "mail" ?>
<?cs include:"header.cs" ?>
<section class="manage-folders">
  <p class="back"><a href="<?cs var:Page.Base ?>/mail"><?cs var:Lang.mail.back ?></a></p>
  <h1><?cs var:Lang.folders.title ?></h1>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.folders[Page.FormError] ?></p>
<?cs /if ?>
<?cs if:Confirm.Raw ?>
  <form method="post" action="<?cs var:Page.Base ?>/mail/folders" class="confirm" id="confirm-delete">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="op" value="delete">
    <input type="hidden" name="f" value="<?cs var:Confirm.Raw ?>">
    <p><?cs var:Lang.folders.confirm_delete ?> <strong><?cs var:Confirm.Name ?></strong><?cs if:Confirm.Below > 0 ?> (<?cs var:Lang.folders.confirm_below ?> <?cs var:Confirm.Below ?>)<?cs /if ?></p>
    <button type="submit" class="danger"><?cs var:Lang.folders.delete ?></button>
    <a href="<?cs var:Page.Base ?>/mail/folders"><?cs var:Lang.folders.cancel ?></a>
  </form>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/mail/folders" class="create" id="create-folder">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="op" value="create">
    <label><?cs var:Lang.folders.name ?> <input name="name" maxlength="200" required value="<?cs var:Page.FormName ?>"></label>
    <label><?cs var:Lang.folders.parent ?>
      <select name="parent">
        <option value=""><?cs var:Lang.folders.top ?></option>
<?cs each:fo = Folders ?>        <option value="<?cs var:fo.Raw ?>"><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Name ?><?cs /if ?></option>
<?cs /each ?>
      </select></label>
    <button type="submit"><?cs var:Lang.folders.add ?></button>
  </form>
  <table class="list" id="folder-table">
    <thead><tr><th><?cs var:Lang.folders.name ?></th><th><?cs var:Lang.mail.messages ?></th><th><?cs var:Lang.folders.unread ?></th><th></th></tr></thead>
    <tbody>
<?cs each:fo = Folders ?>
    <tr data-folder="<?cs var:fo.Raw ?>">
      <td class="depth-<?cs var:fo.Depth ?>"><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Leaf ?><?cs /if ?></td>
      <td class="num"><?cs var:fo.Messages ?></td>
      <td class="num"><?cs var:fo.Unseen ?></td>
      <td>
<?cs if:!fo.Special ?>
        <form method="post" action="<?cs var:Page.Base ?>/mail/folders" class="rename">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="rename">
          <input type="hidden" name="f" value="<?cs var:fo.Raw ?>">
          <input name="name" maxlength="200" required aria-label="<?cs var:Lang.folders.new_name ?>" value="<?cs var:fo.Leaf ?>">
          <button type="submit"><?cs var:Lang.folders.rename ?></button>
        </form>
        <a class="danger" href="<?cs var:Page.Base ?>/mail/folders?delete=<?cs var:fo.Encoded ?>"><?cs var:Lang.folders.delete ?></a>
<?cs /if ?>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
</section>
<?cs include:"footer.cs" ?>
