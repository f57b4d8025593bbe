<?cs # One contact of the user's address book: its fields, its groups,
     and deleting it. ?>
<?cs include:"contacts-macros.cs" ?>
<?cs set:Page.Title = Lang.contacts.edit_title ?>
<?cs set:Page.Nav = "contacts" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="contact-page" data-id="<?cs var:Contact.Id ?>">
<?cs call:ct_tabs("contacts") ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/contacts"><?cs var:Lang.contacts.back ?></a></p>
  <h1><?cs var:Lang.contacts.edit_title ?></h1>
<?cs call:ct_error("edit") ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/edit" class="create" id="contact-edit">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="id" value="<?cs var:Contact.Id ?>">
<?cs call:ct_fields() ?>
    <button type="submit"><?cs var:Lang.addressbook.save ?></button>
  </form>
  <p class="hint"><?cs var:Lang.addressbook.emails_note ?></p>
<?cs if:subcount(Contact.Groups) > 0 ?>
  <p id="contact-groups"><?cs var:Lang.contacts.groups ?>:
<?cs each:g = Contact.Groups ?>    <a class="tag" href="<?cs var:Page.Base ?>/contacts/group?id=<?cs var:g.Id ?>"><?cs var:g.Name ?></a>
<?cs /each ?>  </p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/contacts/delete" class="create" id="contact-delete">
    <?cs call:ct_csrf() ?>
    <input type="hidden" name="id" value="<?cs var:Contact.Id ?>">
    <button type="submit" class="danger"><?cs var:Lang.addressbook.delete ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
