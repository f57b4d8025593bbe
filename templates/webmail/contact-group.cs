<?cs # One contact group: its members, adding and removing them, renaming
     and deleting the group, and writing to all of them. ?>
<?cs include:"contacts-macros.cs" ?>
<?cs set:Page.Title = Group.Name ?>
<?cs set:Page.Nav = "contacts" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="group-page" data-id="<?cs var:Group.Id ?>">
<?cs call:ct_tabs("contacts") ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/contacts"><?cs var:Lang.contacts.back ?></a></p>
<?cs if:Page.Done ?>
  <p class="notice" id="notice" role="status"><?cs var:Lang.contacts.group_done[Page.Done] ?></p>
<?cs /if ?>
  <h1><?cs var:Lang.contacts.group ?>: <span id="group-name"><?cs var:Group.Name ?></span> <span class="count" id="member-count"><?cs var:Group.Count ?></span></h1>
<?cs if:Group.ToEnc ?>
  <p><a href="<?cs var:Page.Base ?>/mail/compose?to=<?cs var:Group.ToEnc ?>" id="group-write"><?cs var:Lang.contacts.write ?></a></p>
<?cs elif:Group.TooMany ?>
  <p class="hint" id="group-too-many"><?cs var:Lang.contacts.too_many ?></p>
<?cs /if ?>
<?cs if:Group.Count == 0 ?>
  <p class="empty" id="members-empty"><?cs var:Lang.contacts.no_members ?></p>
<?cs else ?>
  <table class="messages" id="member-table">
    <thead><tr>
      <th class="from"><?cs var:Lang.addressbook.name ?></th>
      <th class="subject"><?cs var:Lang.addressbook.email ?></th>
      <th class="from"><?cs var:Lang.addressbook.company ?></th>
      <th class="date"></th>
    </tr></thead>
    <tbody>
<?cs each:m = Members ?>
      <tr data-id="<?cs var:m.Id ?>">
        <td class="from"><a href="<?cs var:Page.Base ?>/contacts/edit?id=<?cs var:m.Id ?>"><?cs var:m.Name ?></a></td>
        <td class="subject"><?cs each:e = m.Emails ?><?cs var:e ?><br><?cs /each ?></td>
        <td class="from"><?cs var:m.Company ?></td>
        <td class="date">
          <form method="post" action="<?cs var:Page.Base ?>/contacts/groups" class="rename">
            <?cs call:ct_csrf() ?>
            <input type="hidden" name="op" value="remove">
            <input type="hidden" name="id" value="<?cs var:Group.Id ?>">
            <input type="hidden" name="contact" value="<?cs var:m.Id ?>">
            <button type="submit" class="danger"><?cs var:Lang.contacts.member_remove ?></button>
          </form>
        </td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs /if ?>
<?cs if:subcount(Choices) > 0 ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/groups" class="create" id="member-add">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="op" value="add">
    <input type="hidden" name="id" value="<?cs var:Group.Id ?>">
    <label><?cs var:Lang.contacts.member_add ?>
      <select name="contact">
<?cs each:c = Choices ?>        <option value="<?cs var:c.Id ?>"><?cs if:c.Name ?><?cs var:c.Name ?><?cs if:c.Email ?> &lt;<?cs var:c.Email ?>&gt;<?cs /if ?><?cs else ?><?cs var:c.Email ?><?cs /if ?></option>
<?cs /each ?>      </select></label>
    <button type="submit"><?cs var:Lang.contacts.member_add_button ?></button>
  </form>
<?cs /if ?>

  <h2><?cs var:Lang.contacts.rename ?></h2>
<?cs call:ct_error("rename") ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/groups" class="create" id="group-rename">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="op" value="rename">
    <input type="hidden" name="id" value="<?cs var:Group.Id ?>">
    <label><?cs var:Lang.contacts.group_name ?> <input name="name" maxlength="100" required value="<?cs var:Form.group ?>"></label>
    <button type="submit"><?cs var:Lang.contacts.rename ?></button>
  </form>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/groups" class="create" id="group-delete">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="op" value="delete">
    <input type="hidden" name="id" value="<?cs var:Group.Id ?>">
    <button type="submit" class="danger"><?cs var:Lang.contacts.group_delete ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
