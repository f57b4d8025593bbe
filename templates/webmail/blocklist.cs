<?cs # The block list: senders and domains refused or dropped. ?>
<?cs set:Page.Title = Lang.settings.blocklist.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings blocklist">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.settings.blocklist.title ?></h1>
  <p class="note"><?cs var:Lang.settings.blocklist.note ?></p>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.settings.blocklist.error[Page.FormError] ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/blocklist" class="add" id="block-add">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="op" value="add">
    <label><?cs var:Lang.settings.blocklist.pattern ?> <input name="pattern" maxlength="320" required placeholder="<?cs var:Lang.settings.blocklist.pattern_hint ?>" value="<?cs var:Page.FormPattern ?>"></label>
    <label><?cs var:Lang.settings.blocklist.action ?>
      <select name="action">
        <option value="reject"<?cs if:Page.FormAction != "discard" ?> selected<?cs /if ?>><?cs var:Lang.settings.blocklist.reject ?></option>
        <option value="discard"<?cs if:Page.FormAction == "discard" ?> selected<?cs /if ?>><?cs var:Lang.settings.blocklist.discard ?></option>
      </select></label>
    <button type="submit"><?cs var:Lang.settings.blocklist.add ?></button>
  </form>
<?cs if:subcount(Block) == 0 ?>
  <p class="empty" id="block-empty"><?cs var:Lang.settings.blocklist.empty ?></p>
<?cs else ?>
  <table class="list" id="block-table">
    <thead><tr><th><?cs var:Lang.settings.blocklist.pattern ?></th><th><?cs var:Lang.settings.blocklist.action ?></th><th></th></tr></thead>
    <tbody>
<?cs each:b = Block ?>
    <tr data-id="<?cs var:b.Id ?>" data-pattern="<?cs var:b.Pattern ?>">
      <td><?cs var:b.Pattern ?><?cs if:b.Domain ?> <span class="tag"><?cs var:Lang.settings.blocklist.domain ?></span><?cs /if ?></td>
      <td>
        <form method="post" action="<?cs var:Page.Base ?>/settings/blocklist" class="set">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="set">
          <input type="hidden" name="id" value="<?cs var:b.Id ?>">
          <select name="action" aria-label="<?cs var:Lang.settings.blocklist.action ?>">
            <option value="reject"<?cs if:b.Action == "reject" ?> selected<?cs /if ?>><?cs var:Lang.settings.blocklist.reject ?></option>
            <option value="discard"<?cs if:b.Action == "discard" ?> selected<?cs /if ?>><?cs var:Lang.settings.blocklist.discard ?></option>
          </select>
          <button type="submit"><?cs var:Lang.settings.change ?></button>
        </form>
      </td>
      <td>
        <form method="post" action="<?cs var:Page.Base ?>/settings/blocklist" class="remove">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="op" value="remove">
          <input type="hidden" name="id" value="<?cs var:b.Id ?>">
          <button type="submit" class="danger"><?cs var:Lang.settings.remove ?></button>
        </form>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
